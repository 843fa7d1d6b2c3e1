import DistPosix
import SystemPackage

/// Starting compilers, preprocessors and ssh the way 3.4's `dcc_execvp` finds them, on top of DistPosix's
/// `posix_spawn` (never `fork` from Swift).
enum Spawn {
  /// Starts `arguments[0]` with `arguments` as its `argv` and the client's environment one guard level up.
  ///
  /// A name without `/` is looked up in the configuration's `PATH` (the possibly trimmed masquerade one, which
  /// is also the child's); if a name with `/` cannot be run, its basename is tried on `PATH`. Streams left nil
  /// are inherited; `nullInput` gives the child `/dev/null` as stdin.
  /// - Throws: `ClientError.compilerMissing` when nothing can be executed.
  static func start(
    _ arguments: [String], configuration: ClientConfiguration, nullInput: Bool = false,
    standardInput: FileDescriptor? = nil, standardOutput: FileDescriptor? = nil,
    newProcessGroup: Bool = false
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
    let argv = arguments.map { Array($0.utf8) }
    let environment = configuration.childEnvironment().map { Array($0.utf8) }
    var reason = Errno.noSuchFileOrDirectory.message
    for executable in candidates {
      let request = SpawnRequest(
        executable: executable, arguments: argv, environment: environment, standardInput: input,
        standardOutput: standardOutput, newProcessGroup: newProcessGroup)
      do {
        return try ChildProcess.spawn(request)
      } catch {
        reason = error.errno?.message ?? error.description
      }
    }
    throw .compilerMissing(name: name, reason: reason)
  }
}

extension ProcessStatus {
  /// 3.4's job result: the exit code, or 128 + signal.
  var result: Int32 { exitCode ?? (128 + (signal ?? 0)) }
}
