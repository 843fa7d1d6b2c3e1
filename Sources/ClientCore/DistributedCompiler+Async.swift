import DistPosix
import SystemPackage

extension DistributedCompiler {
  /// Compiles `command` (compiler name first) in `directory`, here or on a host, without blocking a thread of
  /// Swift concurrency's pool: the job runs on a thread of its own and the caller's task is suspended.
  ///
  /// Many calls may run at once in one process: they share the slot table (``InProcessSlots``), the lock
  /// files and host history with each other and with `distcc` processes, and each call gets only its own
  /// compiler output, captured instead of written to this process's standard output and error.
  ///
  /// Cancelling the calling task stops the job: the daemon connection is shut down, a local preprocessor or
  /// compiler is terminated with its process group, slots are freed, no object is written, and the call throws
  /// `ClientError.cancelled`.
  ///
  /// ```swift
  /// let compiler = DistributedCompiler(configuration: try ClientConfiguration(environment: environment))
  /// let outcome = try await compiler.compile(["cc", "-c", "x.c", "-o", "x.o"], in: "/src")
  /// print(outcome.placement, String(decoding: outcome.standardError, as: UTF8.self))
  /// ```
  ///
  /// - Parameters:
  ///   - command: the compiler command; relative paths in it are relative to `directory`.
  ///   - directory: the compiler's working directory (an absolute path).
  ///   - environment: variables the preprocessor and compiler run with on top of the configuration's
  ///     environment (`DISTCC_*` settings come from the configuration).
  ///   - messages: where the library's messages go (3.4's lines: level, text, 3.4 function name); `nil`:
  ///     nowhere. `ClientCoreLogging` hands them to a swift-log `Logger` instead.
  /// - Throws: `ClientError` as the synchronous `compile(_:)` does, or `.cancelled`.
  public func compile(
    _ command: [String], in directory: String, environment: [String: String] = [:],
    messages: ClientLog.Sink? = nil
  ) async throws(ClientError) -> CompileOutcome {
    let cancellation = CompileCancellation()
    var call = cancellable(by: cancellation)
    call.configuration.environment.merge(environment) { $1 }
    call.configuration.workingDirectory = directory
    call.log = ClientLog(
      level: messages == nil ? .emergency : .debug, sink: messages ?? { _, _, _ in })
    let job = call
    let result = await withTaskCancellationHandler {
      await withCheckedContinuation {
        (continuation: CheckedContinuation<Result<CompileOutcome, ClientError>, Never>) in
        do throws(PosixError) {
          try PosixThread.detach(stackSize: 1 << 20) {
            // A daemon that closes mid-request (or a cancelled call's shut-down socket) must not kill the
            // embedding process: `distcc` ignores SIGPIPE process-wide; a library blocks it on its own thread.
            Signals.blockOnThisThread(Signals.pipe)
            continuation.resume(
              returning: Result { () throws(ClientError) in try job.compileCaptured(command) })
          }
        } catch {
          continuation.resume(
            returning: .failure(
              .system(
                operation: "pthread_create", path: nil, errno: (error.errno ?? .ioError).rawValue)))
        }
      }
    } onCancel: {
      cancellation.cancel()
    }
    return try result.get()
  }

  /// The synchronous job of the async API, with the compiler's output captured in two unlinked temporary
  /// files (no reader threads, no pipe to fill up) shared by the children and the relay of remote output.
  func compileCaptured(_ command: [String]) throws(ClientError) -> CompileOutcome {
    let output = try CapturedStream(in: configuration.temporaryDirectory)
    let error = try CapturedStream(in: configuration.temporaryDirectory)
    defer {
      output.fd.closeIgnoringErrors()
      error.fd.closeIgnoringErrors()
    }
    var compiler = self
    compiler.configuration.standardOutput = output.fd.rawValue
    compiler.configuration.standardError = error.fd.rawValue
    compiler.configuration.capturedOutput = output.fd
    compiler.configuration.capturedError = error.fd
    var job = Job(compiler: compiler)
    defer { job.state.remove() }
    let result = try job.run(command)
    job.state.enter(nil)
    let placement: CompilePlacement =
      result.host.map { .remote(host: $0) } ?? .local(reason: job.localReason ?? "run locally")
    return CompileOutcome(
      status: result.status, standardOutput: output.contents(), standardError: error.contents(),
      placement: placement, timings: job.state.timings)
  }
}

/// One captured stream of a call: an unlinked temporary file, read back from its start when the job is done.
private struct CapturedStream {
  let fd: FileDescriptor

  init(in directory: String) throws(ClientError) {
    do throws(PosixError) {
      let (fd, path) = try TemporaryFiles.makeFile(in: directory, prefix: "distcc_out_")
      try? Paths.remove(path)
      self.fd = fd
    } catch {
      throw .system(
        operation: "create temporary file", path: directory,
        errno: (error.errno ?? .ioError).rawValue)
    }
  }

  func contents() -> [UInt8] { (try? FileContents.read(fd, upTo: Int.max)) ?? [] }
}
