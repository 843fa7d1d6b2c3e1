import DistProtocol
import SystemPackage

extension JobService {
  /// How a compiler run ended, before its reply is collected.
  enum CompilerRun {
    /// The compiler exited (or was killed by a signal of its own).
    case exited(WaitStatus)
    /// It could not be started: the reason after `failed to exec NAME: `.
    case notStarted(String)
    /// `--job-lifetime` ran out; it was killed.
    case timedOut
    /// The client went away; it was killed.
    case clientGone
  }

  /// Runs the compiler of `job` and replies, in four named steps: ``lookupCompiler(_:)`` →
  /// ``spawnCompiler(_:for:output:)`` → ``waitForCompiler(_:client:watchClient:)`` →
  /// ``collectReply(_:for:status:notes:output:)``.
  func compile(
    _ job: PreparedJob, vetted: JobVetting.Vetted, in directory: JobDirectory, key: Int,
    request: Request, input: FileDescriptor, output: FileDescriptor, traffic: Traffic,
    watchClient: Bool
  ) -> JobSummary {
    var summary = JobSummary(
      result: .compileOK, compiler: vetted.compiler,
      source: String(decoding: vetted.source, as: UTF8.self))
    let name = String(decoding: job.arguments[0], as: UTF8.self)
    let captured = CompilerOutput(in: directory)
    defer { captured.close() }

    let run: CompilerRun
    let executable = lookupCompiler(name)
    if let executable {
      switch spawnCompiler(executable, for: job, output: captured) {
      case .failure(let errno): run = .notStarted("\(errno)")
      case .success(let process):
        active.setCompiler(key, processGroup: process.pid)
        run = waitForCompiler(process, client: input, watchClient: watchClient)
        active.setCompiler(key, processGroup: nil)
      }
    } else {
      run = .notStarted("No such file or directory")
    }

    var notes: [UInt8] = []
    let status: WaitStatus
    switch run {
    case .exited(let exited): status = exited
    case .notStarted(let reason):
      status = ExitCode.compilerMissing.waitStatus
      notes +=
        ServerLogger.jobLine(.error, "failed to exec \(name): \(reason)", function: "dcc_execvp")
        .utf8
    case .timedOut:
      let message = "Compilation takes too long, timeout."
      logger.log(.error, message, function: "dcc_collect_child")
      notes += ServerLogger.jobLine(.error, message, function: "dcc_collect_child").utf8
      status = ExitCode.timeout.waitStatus
      summary.result = .compileTimeout
    case .clientGone:
      logger.log(.error, "Client fd disconnected, killing job", function: "dcc_collect_child")
      summary.result = .clientDisconnected
      summary.status = ExitCode.ioError.waitStatus.rawValue
      summary.code = .ioError
      return summary
    }
    summary.status = status.rawValue
    if summary.result == .compileOK && !status.isSuccess { summary.result = .compileError }
    if summary.result == .compileOK || summary.result == .compileError {
      let outcome = status.isSuccess ? "completed ok" : "failed"
      logger.log(.info, "\(name) \(summary.source) on localhost \(outcome)")
    }
    let response = collectReply(
      request, for: job, status: status, notes: notes, output: captured)
    // The identity of the compiler that made the object (asked once per compiler, then a few `stat` calls),
    // sent after the reply so that our client checks it before it takes the object. A failed job has no
    // object to check: its compiler is not asked.
    let identity = status.isSuccess ? executable.flatMap { identities.identity(of: $0) } : nil
    if !send(response, to: output, traffic: traffic, compiler: identity) {
      summary.result = .clientDisconnected
      summary.code = .ioError
    }
    return summary
  }
}
