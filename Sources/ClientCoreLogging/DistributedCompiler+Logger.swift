public import ClientCore
public import Logging

extension DistributedCompiler {
  /// ``DistributedCompiler/compile(_:in:environment:messages:)`` with the library's messages going to
  /// `logger`: one message per 3.4 log line, its 3.4 function name (when it has one) as metadata `function`.
  ///
  /// ```swift
  /// let outcome = try await compiler.compile(command, in: directory, logger: Logger(label: "build.distcc"))
  /// ```
  public func compile(
    _ command: [String], in directory: String, environment: [String: String] = [:],
    logger: Logger
  ) async throws(ClientError) -> CompileOutcome {
    try await compile(
      command, in: directory, environment: environment,
      messages: { level, message, function in
        logger.log(
          level: level.loggerLevel, "\(message)",
          metadata: function.map { ["function": .string($0)] })
      })
  }
}

extension LogLevel {
  /// The swift-log level of a distcc 3.4 log level.
  public var loggerLevel: Logger.Level {
    switch self {
    case .emergency, .alert, .critical: .critical
    case .error: .error
    case .warning: .warning
    case .notice: .notice
    case .info: .info
    case .debug: .debug
    }
  }
}
