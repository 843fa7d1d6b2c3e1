import DistPosix
import SystemPackage

/// Starting compilers, preprocessors and ssh the way 3.4's `dcc_execvp` finds them, on top of DistPosix's
/// `posix_spawn` (never `fork` from Swift).
enum Spawn {
  /// Starts `arguments[0]` with `arguments` as its `argv` and the client's environment one guard level up.
  ///
  /// A name without `/` is looked up in the configuration's `PATH` (the possibly trimmed masquerade one, which
  /// is also the child's); if a name with `/` cannot be run, its basename is tried on `PATH`. Streams left nil
  /// are inherited (or, for a call of the async API, its capture files); `nullInput` gives the child `/dev/null`
  /// as stdin. Under a cancellable call the child gets a process group of its own and is watched until
  /// `settle(_:)`.
  /// - Throws: `ClientError.compilerMissing` when nothing can be executed.
  static func start(
    _ arguments: [String], configuration: ClientConfiguration, nullInput: Bool = false,
    standardInput: FileDescriptor? = nil, standardOutput: FileDescriptor? = nil,
    standardError: FileDescriptor? = nil, newProcessGroup: Bool = false
  ) throws(ClientError) -> ChildProcess {
    guard let name = arguments.first else {
      throw .compilerMissing(name: "", reason: "empty command")
    }
    let searchPath = configuration.searchPath
    var candidates: [String] = []
    if name.contains("/") {
      candidates.append(name)
      if let base = name.split(separator: "/").last,
        let found = FileSystem.findExecutable(String(base), in: searchPath)
      {
        candidates.append(found)
      }
    } else if let found = FileSystem.findExecutable(name, in: searchPath) {
      candidates.append(found)
    }
    var input = standardInput
    var devNull: FileDescriptor?
    if nullInput {
      devNull = try? FileDescriptor.open("/dev/null", .readOnly, options: .closeOnExec)
      input = devNull
    }
    defer { try? devNull?.close() }
    let output = standardOutput ?? configuration.capturedOutput
    let cancellation = configuration.cancellation
    let argv = arguments.map { Array($0.utf8) }
    let environment = configuration.childEnvironment().map { Array($0.utf8) }
    var reason = Errno.noSuchFileOrDirectory.message
    for executable in candidates {
      let request = SpawnRequest(
        executable: executable, arguments: argv, environment: environment, standardInput: input,
        standardOutput: output, standardError: standardError ?? configuration.capturedError,
        workingDirectory: configuration.workingDirectory,
        newProcessGroup: newProcessGroup || cancellation != nil)
      do {
        let child = try ChildProcess.spawn(request)
        cancellation?.watch(child)
        return child
      } catch {
        reason = error.errno?.message ?? error.description
      }
    }
    throw .compilerMissing(name: name, reason: reason)
  }

  /// Waits for `child` and reaps it. Under a cancellable call it stays a target of cancellation until it has
  /// exited (its pidfd readable, not yet reaped), so a signal never reaches a recycled process id.
  static func settle(_ child: ChildProcess, configuration: ClientConfiguration) throws(PosixError)
    -> ProcessStatus
  {
    if let cancellation = configuration.cancellation {
      _ = try? Poll.wait(for: .readable, on: child.pidfd, deadline: .never, operation: "waitpid")
      cancellation.forget(child)
    }
    return try child.reap()
  }
}

extension ProcessStatus {
  /// 3.4's job result: the exit code, or 128 + signal.
  var result: Int32 { exitCode ?? (128 + (signal ?? 0)) }
}
