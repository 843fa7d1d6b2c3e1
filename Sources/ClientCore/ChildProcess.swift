internal import Glibc

/// A child started with `posix_spawn` (never `fork` from Swift), waited for by pid.
struct ChildProcess {
  let pid: pid_t

  /// How a child's standard stream is set up.
  enum Stream {
    /// Inherited from the client.
    case inherit
    /// `/dev/null`.
    case null
    /// This descriptor (duplicated onto the stream).
    case descriptor(Int32)
  }

  /// Starts `arguments[0]` with `arguments` as its `argv`.
  ///
  /// A name without `/` is looked up in `searchPath` (the `PATH` the child gets, which may be the trimmed
  /// masquerade one); if a name with `/` cannot be run, its basename is tried on `PATH`, as 3.4's
  /// `dcc_execvp` does. `SIGPIPE` is reset to default in the child.
  /// - Throws: `ClientError.compilerMissing` when nothing can be executed.
  static func spawn(
    _ arguments: [String], environment: [String], searchPath: String?,
    stdin: Stream = .inherit, stdout: Stream = .inherit, stderr: Stream = .inherit,
    newProcessGroup: Bool = false
  ) throws(ClientError) -> ChildProcess {
    guard let name = arguments.first else {
      throw .compilerMissing(name: "", reason: "empty command")
    }
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
    var lastError = ENOENT
    for executable in candidates {
      switch spawnOnce(
        executable: executable, arguments: arguments, environment: environment,
        streams: (stdin, stdout, stderr),
        newProcessGroup: newProcessGroup)
      {
      case (let pid, 0): return ChildProcess(pid: pid)
      case (_, let code): lastError = code
      }
    }
    throw .compilerMissing(name: name, reason: errorText(lastError))
  }

  private static func spawnOnce(
    executable: String, arguments: [String], environment: [String],
    streams: (Stream, Stream, Stream),
    newProcessGroup: Bool
  ) -> (pid: pid_t, error: Int32) {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    for (target, stream) in [(Int32(0), streams.0), (1, streams.1), (2, streams.2)] {
      switch stream {
      case .inherit: break
      case .null:
        posix_spawn_file_actions_addopen(
          &actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
      case .descriptor(let fd): posix_spawn_file_actions_adddup2(&actions, fd, target)
      }
    }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var defaults = sigset_t()
    sigemptyset(&defaults)
    sigaddset(&defaults, SIGPIPE)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    // Children start with no blocked signals, whatever the calling thread blocks.
    var mask = sigset_t()
    sigemptyset(&mask)
    posix_spawnattr_setsigmask(&attributes, &mask)
    var flags = Int32(POSIX_SPAWN_SETSIGDEF) | Int32(POSIX_SPAWN_SETSIGMASK)
    if newProcessGroup {
      flags |= Int32(POSIX_SPAWN_SETPGROUP)
      posix_spawnattr_setpgroup(&attributes, 0)
    }
    posix_spawnattr_setflags(&attributes, Int16(flags))
    var pid: pid_t = 0
    let code = withCStrings(arguments) { argv in
      withCStrings(environment) { envp in
        posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
      }
    }
    return (pid, code)
  }

  /// Waits for the child to end; returns its raw wait status.
  func wait() -> Int32 {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 {
      if errno != EINTR { return 0x7f00 }  // should not happen: our own child
    }
    return status
  }

  /// Sends `signal` to the child (or its process group).
  func kill(_ signal: Int32, group: Bool = false) {
    _ = Glibc.kill(group ? -pid : pid, signal)
  }
}

/// Calls `body` with a NULL-terminated `char *[]` copy of `strings`.
func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
  var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
  pointers.append(nil)
  defer { for pointer in pointers { free(pointer) } }
  return body(pointers)
}

/// The result of a finished process, from its raw wait status.
struct ExitStatus: Equatable {
  var rawValue: Int32

  /// The exit code if it exited.
  var exitCode: Int32? { rawValue & 0x7f == 0 ? (rawValue >> 8) & 0xff : nil }
  /// The signal if it was killed.
  var signal: Int32? {
    let signal = rawValue & 0x7f
    return signal != 0 && signal != 0x7f ? signal : nil
  }
  /// 3.4's job result: the exit code, or 128 + signal.
  var result: Int32 { exitCode ?? (128 + (signal ?? 0)) }
}
