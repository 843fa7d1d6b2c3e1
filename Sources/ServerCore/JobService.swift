import DistPosix
import DistProtocol
import SystemPackage

/// Serves one connection: reads the request under deadlines (holding no compile slot), validates it,
/// takes a slot, runs the compiler, replies, and returns the job summary. Shared by all connection threads;
/// everything mutable lives on the stack of one call.
struct JobService: Sendable {
  let configuration: ServerConfiguration
  let logger: ServerLogger
  let slots: JobSlots
  let statistics: ServerStatistics
  let policy: any CompilerPolicy
  /// The daemon-wide budget for request bodies.
  let memory: MemoryBudget
  /// Jobs in flight, for a daemon that stops before they finish.
  let active: ActiveJobs

  /// The wait status a refused job is answered with: exit code 150 (≥ 128), which makes a 3.4 client
  /// compile locally even with `DISTCC_SKIP_LOCAL_RETRY` set (client.md §8.3).
  static let refusalStatus = WaitStatus.exited(150)
  static let timeoutStatus = WaitStatus.exited(118)
  static let execFailedStatus = WaitStatus.exited(110)

  /// Serves the job on `input`/`output` (the same socket for TCP) and logs its summary line.
  @discardableResult
  func serve(input: FileDescriptor, output: FileDescriptor, peer: PeerAddress) -> JobSummary {
    let started = Deadline.now
    let lease = memory.lease()
    let traffic = Traffic()
    var summary = run(input: input, output: output, peer: peer, lease: lease, traffic: traffic)
    lease.end()
    summary.bytesReceived = traffic.received
    summary.bytesSent = traffic.sent
    summary.milliseconds = Int((Deadline.now.nanoseconds - started.nanoseconds) / 1_000_000)
    statistics.record(summary, started: started)  // before the log line, which tests wait for
    logger.log(.notice, summary.line(peer: peer.description), function: "dcc_job_summary")
    return summary
  }

  private func run(
    input: FileDescriptor, output: FileDescriptor, peer: PeerAddress, lease: MemoryLease,
    traffic: Traffic
  ) -> JobSummary {
    let requestDeadline = Deadline.after(seconds: configuration.ioTimeout)
    var request: Request
    switch readRequest(from: input, deadline: requestDeadline, lease: lease, traffic: traffic) {
    case .request(let value): request = value
    case .failed(let failure): return failure
    }
    // The argument policy, on the client's own command line (Docs/security.md).
    switch ArgumentScreen(policy: .standard, insecure: configuration.insecureCompilers).screen(
      request)
    {
    case .run(let checked): request = checked
    case .refuse(let line):
      return refuse(
        request, reason: line, code: 100, output: output, traffic: traffic, level: .warning)
    case .malformed(let line):
      logger.log(.error, line)
      return JobSummary(result: .badRequest, code: 109)
    }
    logger.log(
      .debug,
      "got request: protocol \(request.version.rawValue), \(request.arguments.count) arguments")
    let directory: JobDirectory
    do {
      directory = try JobDirectory(
        in: configuration.temporaryDirectory, keep: configuration.saveTemporaries)
    } catch {
      logger.log(.error, error.description)
      return refuse(
        request, reason: error.description, code: 107, output: output, traffic: traffic,
        level: .error)
    }
    defer { directory.remove() }
    let key = active.add(directory)
    defer { active.remove(key) }  // before the directory is removed

    var job: PreparedJob
    do { job = try PreparedJob(request, in: directory) } catch {
      return refuse(
        request, reason: error.reason, code: error.code, output: output, traffic: traffic,
        level: error.level)
    }
    switch policy.check(job.arguments) {
    case .allow(let arguments): job.arguments = arguments
    case .refuse(let reason, let level):
      return refuse(
        request, reason: reason, code: 100, output: output, traffic: traffic, level: level)
    }
    guard slots.acquire(until: requestDeadline) else {
      var summary = refuse(
        request, reason: "no compile slot became free in time", code: 116, output: output,
        traffic: traffic, level: .warning)
      summary.result = .overloaded
      return summary
    }
    defer { slots.release() }
    return compile(
      job, in: directory, key: key, request: request, input: input, output: output,
      traffic: traffic, watchClient: peer.address != nil)
  }

  /// Bytes one connection received and sent (for the statistics); used by one thread.
  final class Traffic {
    var received = 0
    var sent = 0
  }

  enum ReadOutcome {
    case request(Request)
    case failed(JobSummary)
  }

  /// Reads one request; on failure returns the summary of the failed job.
  private func readRequest(
    from input: FileDescriptor, deadline: Deadline, lease: MemoryLease, traffic: Traffic
  ) -> ReadOutcome {
    var decoder = RequestDecoder(limits: configuration.decodingLimits(budget: lease))
    defer { traffic.received = decoder.bytesReceived }
    // One buffer for the whole request, never zero-filled.
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 1)
    defer { buffer.deallocate() }
    do {
      while true {
        let readDeadline = deadline.earlier(.after(seconds: configuration.readTimeout))
        let count = try input.readSome(
          into: buffer, deadline: readDeadline, operation: "read request")
        if count == 0 {
          do { try decoder.finish() } catch {
            logger.log(.error, "\(error)")
            return .failed(JobSummary(result: .badRequest, code: 108))
          }
          logger.log(.error, "client closed the connection before sending a request")
          return .failed(JobSummary(result: .clientDisconnected, code: 107))
        }
        decoder.append(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        if let request = try decoder.next() { return .request(request) }
      }
    } catch let error as PosixError {
      logger.log(.error, error.description)
      return .failed(JobSummary(result: .clientDisconnected, code: 107))
    } catch DistProtocolError.memoryBudgetExhausted(let token, let bytes) {
      logger.log(
        .warning,
        "refusing request: \(token.map { "\($0) body: " } ?? "")\(bytes) more bytes would exceed "
          + "--max-request-memory (\(memory.limit) bytes, \(memory.used) in use, "
          + "\(lease.bytes) by this request)")
      return .failed(JobSummary(result: .overloaded, code: 116))
    } catch {
      logger.log(.error, "\(error)")
      return .failed(JobSummary(result: .badRequest, code: 109))
    }
  }

  /// Answers a job that will not run with a complete reply carrying `reason` in `SERR`.
  private func refuse(
    _ request: Request, reason: String, code: Int, output: FileDescriptor, traffic: Traffic,
    level: ServerLogger.Level
  ) -> JobSummary {
    logger.log(level, reason)
    // In SERR at least as a warning, so the client shows it as one.
    let line = ServerLogger.jobLine(min(level, .warning), reason, function: "dcc_refuse_job")
    let response = Response(
      version: request.version, isVersionZero: request.isVersionZero,
      status: JobService.refusalStatus, stderr: Array(line.utf8), stdout: [],
      object: [], dependencies: nil)
    send(response, to: output, traffic: traffic)
    return JobSummary(result: .other, status: JobService.refusalStatus.rawValue, code: code)
  }

  @discardableResult
  private func send(_ response: Response, to output: FileDescriptor, traffic: Traffic) -> Bool {
    do {
      let bytes = try response.encoded()
      try output.writeAll(
        bytes, deadline: .after(seconds: configuration.ioTimeout), operation: "send reply")
      traffic.sent += bytes.count
      return true
    } catch {
      logger.log(.error, "\(error)")
      return false
    }
  }

  /// Runs the compiler and replies.
  private func compile(
    _ job: PreparedJob, in directory: JobDirectory, key: Int, request: Request,
    input: FileDescriptor, output: FileDescriptor, traffic: Traffic, watchClient: Bool
  ) -> JobSummary {
    var summary = JobSummary(
      result: .compileOK, compiler: job.command.compilerText, source: job.command.sourceText)
    var notes: [UInt8] = []
    let name = String(decoding: job.arguments[0], as: UTF8.self)
    let status: WaitStatus
    let base = String(name.split(separator: "/").last ?? Substring(name))
    let captured = CompilerOutput(in: directory)
    defer { captured.close() }
    if let executable = SpawnedProcess.resolve(name, searchPath: configuration.searchPath)
      ?? (name.contains("/")
        ? SpawnedProcess.resolve(base, searchPath: configuration.searchPath) : nil)
    {
      let spawned = configuration.confinement.spawn(
        .init(
          executable: executable, arguments: job.arguments,
          environment: configuration.compilerEnvironment,
          workingDirectory: job.workingDirectory, standardOutput: captured.standardOutput,
          standardError: captured.standardError, newProcessGroup: true),
        jobDirectory: CompilerConfinement.directory(containing: job.objectPath))
      switch spawned {
      case .failure(let errno):
        status = JobService.execFailedStatus
        notes +=
          ServerLogger.jobLine(.error, "failed to exec \(name): \(errno)", function: "dcc_execvp")
          .utf8
      case .success(let process):
        active.setCompiler(key, processGroup: process.pid)
        let outcome = wait(for: process, client: input, watchClient: watchClient)
        active.setCompiler(key, processGroup: nil)
        switch outcome {
        case .exited(let raw): status = WaitStatus(rawValue: raw)
        case .timedOut:
          let message = "Compilation takes too long, timeout."
          logger.log(.error, message, function: "dcc_collect_child")
          notes += ServerLogger.jobLine(.error, message, function: "dcc_collect_child").utf8
          status = JobService.timeoutStatus
          summary.result = .compileTimeout
        case .clientGone:
          logger.log(.error, "Client fd disconnected, killing job", function: "dcc_collect_child")
          summary.result = .clientDisconnected
          summary.status = WaitStatus.exited(107).rawValue
          summary.code = 107
          return summary
        }
      }
    } else {
      status = JobService.execFailedStatus
      notes +=
        ServerLogger.jobLine(
          .error, "failed to exec \(name): No such file or directory", function: "dcc_execvp"
        ).utf8
    }
    summary.status = status.rawValue
    if summary.result == .compileOK && !status.isSuccess { summary.result = .compileError }
    if summary.result == .compileOK || summary.result == .compileError {
      let outcome = status.isSuccess ? "completed ok" : "failed"
      logger.log(.info, "\(name) \(job.command.sourceText) on localhost \(outcome)")
    }
    let stderr = captured.stderr + notes
    let stdout = captured.stdout
    var object: [UInt8] = []
    var dependencies: [UInt8]? = nil
    if status.isSuccess {
      object = (try? FileContents.read(job.objectPath, limit: 1 << 30)) ?? []
      if let deps = job.dependencies {
        PreparedJob.scrubRoot(&object, root: deps.root)
        dependencies = PreparedJob.dependencyFile(
          (try? FileContents.read(deps.path, limit: 1 << 30)) ?? [], objectPath: job.objectPath,
          target: deps.target,
          root: deps.root)
      }
    }
    let response = Response(
      version: request.version, isVersionZero: request.isVersionZero, status: status,
      stderr: stderr, stdout: stdout, object: object,
      dependencies: dependencies)
    if !send(response, to: output, traffic: traffic) {
      summary.result = .clientDisconnected
      summary.code = 107
    }
    return summary
  }

  /// The wait status reported when a compiler's own was lost: exit code 1.
  static let lostStatus: UInt32 = 1 << 8

  enum WaitOutcome {
    case exited(UInt32)
    case timedOut, clientGone
  }

  /// Waits for the compiler, watching the client socket and `--job-lifetime`; kills the process group
  /// (SIGTERM, then SIGKILL) when the client goes away or time runs out.
  /// `watchClient`: `client` is a socket (not a pipe), whose closing can be seen.
  private func wait(for process: SpawnedProcess, client: FileDescriptor, watchClient: Bool)
    -> WaitOutcome
  {
    let lifetime: Deadline =
      configuration.jobLifetime > 0 ? .after(seconds: configuration.jobLifetime) : .never
    var fds: [(FileDescriptor, PollEvents)] = [(process.child.pidfd, .readable)]
    if watchClient { fds.append((client, .readable)) }
    let nothing = [PollEvents](repeating: [], count: fds.count)
    while true {
      let tick = Deadline.after(milliseconds: 1000).earlier(lifetime)
      let revents = (try? Poll.wait(fds, deadline: tick)) ?? nothing
      // The pidfd turns readable once the compiler has exited: reaping it then does not block. If the
      // status is gone anyway (reaped by someone else), the job failed: never spin on a readable pidfd.
      if !revents[0].isEmpty {
        return .exited(process.reapExited() ?? Self.lostStatus)
      }
      if watchClient, revents.last.map({ !$0.isEmpty }) == true {
        if Socket.peerHasClosed(client) {
          kill(process)
          return .clientGone
        }
        Socket.discardPending(client)  // bytes after the request: ignore them, don't spin
      }
      if lifetime.hasPassed {
        kill(process)
        return .timedOut
      }
    }
  }

  private func kill(_ process: SpawnedProcess) {
    process.signalGroup(Signals.terminate)
    let grace = Deadline.after(seconds: 2)
    while !grace.hasPassed {
      if process.reap(blocking: false) != nil { return }
      _ = try? Poll.wait([(process.child.pidfd, .readable)], deadline: .after(milliseconds: 50))
    }
    process.signalGroup(Signals.kill)
    _ = process.reap(blocking: true)
  }
}
