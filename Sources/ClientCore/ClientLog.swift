import DistPosix
import SystemPackage

/// The client's log, in distcc 3.4's line format (client.md §13):
/// `distcc[PID] (function) Warning: message`.
///
/// Lines at or below the configured level go to `DISTCC_LOG` (appended), to `UNCACHED_ERR_FD`, or to standard
/// error. Each line is one `write`, so lines of concurrent clients sharing a log file do not interleave.
public struct ClientLog: Sendable {
  /// The descriptor lines go to.
  public let descriptor: Int32
  /// The most verbose level written.
  public let level: LogLevel
  /// The program name in each line (`distcc`).
  public let program: String
  let pid: Int32
  /// Where lines go instead of `descriptor` (the async API's caller-supplied logger).
  let sink: Sink?

  /// A receiver of log lines: the level, the message and 3.4's function name, if any.
  public typealias Sink = @Sendable (LogLevel, String, String?) -> Void

  /// A log writing to `descriptor` up to `level`.
  public init(descriptor: Int32, level: LogLevel, program: String = "distcc") {
    self.descriptor = descriptor
    self.level = level
    self.program = program
    pid = CurrentProcess.id
    sink = nil
  }

  /// A log handing each line at or above `level` to `sink` instead of writing it.
  public init(level: LogLevel, sink: @escaping Sink) {
    descriptor = -1
    self.level = level
    program = "distcc"
    pid = CurrentProcess.id
    self.sink = sink
  }

  /// Opens the log `configuration` asks for. When `DISTCC_LOG` cannot be opened, logs to standard error at the
  /// warning level and says so, as 3.4 does.
  public init(configuration: ClientConfiguration) {
    if let file = configuration.logFile {
      let reason: String
      do throws(PosixError) {
        let fd = try FileDescriptor.open(
          file, .writeOnly, options: [.append, .create],
          permissions: [.ownerReadWrite, .groupReadWrite, .otherReadWrite])
        self.init(descriptor: fd.rawValue, level: configuration.logLevel)
        return
      } catch {
        reason = error.errno?.message ?? error.description
      }
      self.init(descriptor: configuration.standardError, level: .warning)
      error("failed to open logfile \(file): \(reason)")
      return
    }
    self.init(
      descriptor: configuration.uncachedErrorDescriptor ?? configuration.standardError,
      level: configuration.logLevel)
  }

  /// Whether a line of `level` would be written (lets callers skip building expensive messages).
  @inline(__always) public func enabled(_ level: LogLevel) -> Bool { level <= self.level }

  /// Writes one line at `level`; `function` is the 3.4 function name shown in parentheses, if any.
  public func log(_ level: LogLevel, _ message: @autoclosure () -> String, function: String? = nil)
  {
    guard enabled(level) else { return }
    if let sink { return sink(level, message(), function) }
    var line = program + "[\(pid)] "
    if let function { line += "(" + function + ") " }
    line += level.prefix
    line += message()
    line += "\n"
    _ = try? FileDescriptor(rawValue: descriptor).writeAll(line.utf8, deadline: .never)
  }

  /// Writes one `ERROR: ` line.
  public func error(_ message: @autoclosure () -> String, function: String? = nil) {
    log(.error, message(), function: function)
  }
  /// Writes one `Warning: ` line.
  public func warning(_ message: @autoclosure () -> String, function: String? = nil) {
    log(.warning, message(), function: function)
  }
  /// Writes one info line (shown with `DISTCC_LOG` or `DISTCC_VERBOSE=1`).
  public func info(_ message: @autoclosure () -> String, function: String? = nil) {
    log(.info, message(), function: function)
  }
  /// Writes one debug line (shown with `DISTCC_VERBOSE=1`).
  public func debug(_ message: @autoclosure () -> String, function: String? = nil) {
    log(.debug, message(), function: function)
  }

  /// An argument list as 3.4 prints it: arguments that are empty or contain blanks, quotes or `;` in double
  /// quotes.
  static func format(_ arguments: [String]) -> String {
    arguments.map { argument in
      let needsQuotes =
        argument.isEmpty
        || argument.utf8.contains { [0x20, 0x09, 0x0A, 0x22, 0x27, 0x3B].contains($0) }
      return needsQuotes ? "\"" + argument + "\"" : argument
    }.joined(separator: " ")
  }
}
