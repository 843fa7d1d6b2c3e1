import CompilerIdentity
import DistPosix
import DistProtocol
import SystemPackage

/// Serves one connection: reads the request under deadlines (holding no compile slot), vets it,
/// takes a slot, runs the compiler, replies, and returns the job summary. Shared by all connection threads;
/// everything mutable lives on the stack of one call.
struct JobService: Sendable {
  let configuration: ServerConfiguration
  /// The checks a request passes before anything is written: policy → scan → whitelist.
  var vetting: JobVetting { JobVetting(configuration: configuration) }
  let logger: ServerLogger
  let slots: JobSlots
  let statistics: ServerStatistics
  /// The daemon-wide budget for request bodies.
  let memory: MemoryBudget
  /// Jobs in flight, for a daemon that stops before they finish.
  let active: ActiveJobs
  /// The identities of the compilers this daemon ran, for the compiler identity check.
  let identities: IdentityMemo

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
    let request: Request
    switch readRequest(from: input, deadline: requestDeadline, lease: lease, traffic: traffic) {
    case .request(let value): request = value
    case .failed(let failure): return failure
    }
    logger.log(
      .debug,
      "got request: protocol \(request.version.rawValue), \(request.arguments.count) arguments")
    // Extensions this daemon did not announce: the client believed a host that is not (or no longer) so;
    // closing without a reply makes it retry once without them.
    guard request.extensions.isSubset(of: configuration.announcedExtensions ?? []) else {
      logger.log(
        .error, "request uses extensions this daemon does not offer: \(request.extensions)")
      return JobSummary(result: .badRequest, code: .protocolError)
    }
    let vetted: JobVetting.Vetted
    switch vetting.vet(request) {
    case .run(let passed): vetted = passed
    case .refuse(let refusal): return refuse(request, refusal, output: output, traffic: traffic)
    case .malformed(let line):
      logger.log(.error, line)
      return JobSummary(result: .badRequest, code: .protocolError)
    }
    if let claimed = request.compilerIdentity,
      let (refusal, ours) = identityRefusal(claimed: claimed, compiler: vetted.arguments[0])
    {
      return refuse(request, refusal, output: output, traffic: traffic, compiler: ours)
    }
    let directory: JobDirectory
    do {
      directory = try JobDirectory(
        in: configuration.temporaryDirectory, keep: configuration.saveTemporaries)
    } catch {
      logger.log(.error, error.description)
      return refuse(
        request, JobRefusal(reason: error.description, level: .error, code: .ioError),
        output: output, traffic: traffic)
    }
    defer { directory.remove() }
    let key = active.add(directory)
    defer { active.remove(key) }  // before the directory is removed

    let job: PreparedJob
    do { job = try PreparedJob(request, vetted: vetted, in: directory) } catch {
      return refuse(request, error, output: output, traffic: traffic)
    }
    if request.extensions.contains(.directivesOnly) {
      logger.log(
        .info, "directives-only request: macros expanded here (-fpreprocessed -fdirectives-only)")
    } else if request.extensions.contains(.rewrittenIncludes) {
      logger.log(
        .info, "rewritten-includes request: macros expanded here (source from standard input)")
    }
    guard slots.acquire(until: requestDeadline) else {
      var summary = refuse(
        request,
        JobRefusal(
          reason: "no compile slot became free in time", level: .warning, code: .noHosts),
        output: output, traffic: traffic)
      summary.result = .overloaded
      return summary
    }
    defer { slots.release() }
    return compile(
      job, vetted: vetted, in: directory, key: key, request: request, input: input,
      output: output, traffic: traffic, watchClient: peer.address != nil)
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
            return .failed(JobSummary(result: .badRequest, code: .truncated))
          }
          logger.log(.error, "client closed the connection before sending a request")
          return .failed(JobSummary(result: .clientDisconnected, code: .ioError))
        }
        decoder.append(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        if let request = try decoder.next() { return .request(request) }
      }
    } catch let error as PosixError {
      logger.log(.error, error.description)
      return .failed(JobSummary(result: .clientDisconnected, code: .ioError))
    } catch DistProtocolError.memoryBudgetExhausted(let token, let bytes) {
      logger.log(
        .warning,
        "refusing request: \(token.map { "\($0) body: " } ?? "")\(bytes) more bytes would exceed "
          + "--max-request-memory (\(memory.limit) bytes, \(memory.used) in use, "
          + "\(lease.used) by this request)")
      return .failed(JobSummary(result: .overloaded, code: .noHosts))
    } catch {
      logger.log(.error, "\(error)")
      return .failed(JobSummary(result: .badRequest, code: .protocolError))
    }
  }

  /// Answers a job that will not run with a complete reply carrying the refusal's reason in `SERR`;
  /// `compiler` is the identity of the compiler the job would have run, when it was looked up.
  private func refuse(
    _ request: Request, _ refusal: JobRefusal, output: FileDescriptor, traffic: Traffic,
    compiler: CompilerIdentity? = nil
  ) -> JobSummary {
    logger.log(refusal.level, refusal.reason)
    // In SERR at least as a warning, so the client shows it as one.
    let line = ServerLogger.jobLine(
      min(refusal.level, .warning), refusal.reason, function: "dcc_refuse_job")
    let status = ExitCode.policyRefusal.waitStatus
    var response = Response(
      version: request.version, isVersionZero: request.isVersionZero, status: status,
      stderr: Array(line.utf8), stdout: [], object: [], dependencies: nil)
    response.extensions = request.extensions
    send(response, to: output, traffic: traffic, compiler: compiler)
    return JobSummary(result: .other, status: status.rawValue, code: refusal.code)
  }

  /// Writes `response` and, in the same write, the ``ReplyTrailer``: what this daemon supports beyond 3.4
  /// and the identity of `compiler`, the compiler it ran for the job (a 3.4 client stops reading after the
  /// reply and never sees it; ours learns that the host is ours and checks the compiler before it takes the
  /// object).
  @discardableResult
  func send(
    _ response: Response, to output: FileDescriptor, traffic: Traffic, compiler: CompilerIdentity?
  ) -> Bool {
    do {
      var bytes = try response.encoded()
      if let announced = configuration.announcedExtensions {
        bytes +=
          ReplyTrailer(
            extensions: announced, compilerIdentity: compiler.map { Array($0.text.utf8) }
          )
          .encoded
      }
      try output.writeAll(
        bytes, deadline: .after(seconds: configuration.ioTimeout), operation: "send reply")
      traffic.sent += bytes.count
      return true
    } catch {
      logger.log(.error, "\(error)")
      return false
    }
  }
}
