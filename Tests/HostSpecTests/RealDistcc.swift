import DistTestSupport

/// Runs Debian's `/usr/bin/distcc`, the referee.
enum RealDistcc {
  static let path = "/usr/bin/distcc"

  static var isInstalled: Bool { Binaries.debian("distcc") != nil }

  struct Invocation: Sendable {
    var arguments: [String]
    var environment: [String: String]
  }

  struct Output: Sendable, Equatable {
    var stdout: String
    var stderr: String
    var exitCode: Int32

    /// 3.4 exits 0 from `--show-hosts` and `-j` even for a bad list; this line says it failed.
    var failedToGetHostList: Bool { stderr.contains("CRITICAL! Failed to get host list") }
  }

  /// Runs one invocation to completion (killed after 30 s).
  static func run(_ invocation: Invocation) throws -> Output {
    let result = try TestProcess.run(
      [path] + invocation.arguments, environment: invocation.environment, timeout: 30)
    return Output(stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode)
  }

  /// Runs the invocations, `parallelism` at a time, and returns their outputs in order.
  static func run(_ invocations: [Invocation], parallelism: Int = 4) async throws -> [Output] {
    try await withThrowingTaskGroup(of: [(Int, Output)].self) { group in
      for worker in 0..<parallelism {
        group.addTask {
          try stride(from: worker, to: invocations.count, by: parallelism).map {
            ($0, try run(invocations[$0]))
          }
        }
      }
      var outputs = [Output?](repeating: nil, count: invocations.count)
      for try await done in group {
        for (index, output) in done { outputs[index] = output }
      }
      return outputs.compactMap { $0 }
    }
  }
}
