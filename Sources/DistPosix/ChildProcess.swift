internal import CDistPosix
internal import Glibc
public import SystemPackage

/// What to start: the program, its arguments and environment, and where its standard streams go.
///
/// Started with `posix_spawn`, never `fork`: a Swift process may have runtime threads holding locks that a
/// forked child would wait on forever.
public struct SpawnRequest: Sendable {
  /// A path, or with `searchPath` a name looked up in `PATH` as `execvp` does.
  public var executable: String
  /// The whole argument vector, `argv[0]` included. Bytes, because arguments need not be UTF-8.
  public var arguments: [[UInt8]]
  /// `KEY=VALUE` entries; nil inherits this process's environment.
  public var environment: [[UInt8]]?
  /// Descriptors to install as the child's 0, 1 and 2; nil keeps this process's.
  public var standardInput: FileDescriptor?
  public var standardOutput: FileDescriptor?
  public var standardError: FileDescriptor?
  /// The child's working directory; nil keeps this process's.
  public var workingDirectory: String?
  /// Start the child in a new process group (so that the whole group can be signalled).
  public var newProcessGroup: Bool
  /// Start the child in a new session (`setsid`), detached from the terminal.
  public var newSession: Bool
  /// Look `executable` up in `PATH` when it contains no slash.
  public var searchPath: Bool
  /// Descriptors to install as the child's 3, 4, …, in order (listening sockets handed over the way
  /// systemd hands them, `ListenDescriptors`); every other descriptor is closed in the child.
  public var inheritedDescriptors: [FileDescriptor] = []

  public init(
    executable: String, arguments: [[UInt8]], environment: [[UInt8]]? = nil,
    standardInput: FileDescriptor? = nil, standardOutput: FileDescriptor? = nil,
    standardError: FileDescriptor? = nil, workingDirectory: String? = nil,
    newProcessGroup: Bool = false, newSession: Bool = false, searchPath: Bool = false
  ) {
    self.executable = executable
    self.arguments = arguments
    self.environment = environment
    self.standardInput = standardInput
    self.standardOutput = standardOutput
    self.standardError = standardError
    self.workingDirectory = workingDirectory
    self.newProcessGroup = newProcessGroup
    self.newSession = newSession
    self.searchPath = searchPath
  }

  /// A request from `String` arguments.
  public init(executable: String, arguments: [String], environment: [String]? = nil) {
    self.init(
      executable: executable, arguments: arguments.map { Array($0.utf8) },
      environment: environment?.map { Array($0.utf8) })
  }
}

/// The raw `waitpid` status of a finished process.
public struct ProcessStatus: Sendable, Hashable, CustomStringConvertible {
  public let rawValue: Int32
  public init(rawValue: Int32) { self.rawValue = rawValue }

  /// The exit code, if the process exited.
  public var exitCode: Int32? { rawValue & 0x7f == 0 ? (rawValue >> 8) & 0xff : nil }
  /// The signal that ended the process, if one did.
  public var signal: Int32? {
    let low = rawValue & 0x7f
    return low != 0 && low != 0x7f ? low : nil
  }
  /// Whether the process dumped core.
  public var coreDumped: Bool { signal != nil && rawValue & 0x80 != 0 }

  public var description: String {
    if let code = exitCode { return "exited with code \(code)" }
    if let signal { return "killed by signal \(signal)\(coreDumped ? " (core dumped)" : "")" }
    return "status \(rawValue)"
  }
}

/// A started child process, watched through a `pidfd` so that waiting can poll alongside other descriptors.
///
/// Call `wait` until it returns a status: that reaps the child and closes the pidfd.
public struct ChildProcess: Sendable {
  /// The child's process id (and, with `newProcessGroup`, its process group id).
  public let pid: Int32
  /// A descriptor that becomes readable when the child exits.
  public let pidfd: FileDescriptor

  /// Starts the process described by `request`.
  ///
  /// - Throws: `PosixError` naming the executable if it could not be started (not found, not executable).
  public static func spawn(_ request: SpawnRequest) throws(PosixError) -> ChildProcess {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }

    let streams = [request.standardInput, request.standardOutput, request.standardError]
    for (target, source) in streams.enumerated() {
      guard let source else { continue }
      if source.rawValue == Int32(target) {
        // dup2 onto itself would keep close-on-exec set; clear it in the child by a round trip.
        posix_spawn_file_actions_adddup2(&actions, source.rawValue, 1000 + Int32(target))
        posix_spawn_file_actions_adddup2(&actions, 1000 + Int32(target), Int32(target))
        posix_spawn_file_actions_addclose(&actions, 1000 + Int32(target))
      } else {
        posix_spawn_file_actions_adddup2(&actions, source.rawValue, Int32(target))
      }
    }
    // Parked far above the targets first, so that a source among 3, 4, … is not overwritten before it is
    // moved; dup2 also clears close-on-exec on the copies.
    let first = ListenDescriptors.firstDescriptor
    for (index, source) in request.inheritedDescriptors.enumerated() {
      posix_spawn_file_actions_adddup2(&actions, source.rawValue, 2000 + Int32(index))
    }
    for index in request.inheritedDescriptors.indices {
      posix_spawn_file_actions_adddup2(&actions, 2000 + Int32(index), first + Int32(index))
      posix_spawn_file_actions_addclose(&actions, 2000 + Int32(index))
    }
    // Defence in depth: whatever leaked without close-on-exec stays behind.
    cdp_spawn_file_actions_addclosefrom(&actions, first + Int32(request.inheritedDescriptors.count))
    if let directory = request.workingDirectory {
      cdp_spawn_file_actions_addchdir(&actions, directory)
    }

    var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
    if request.newProcessGroup { flags |= Int32(POSIX_SPAWN_SETPGROUP) }
    if request.newSession { flags |= Int32(0x80) }  // POSIX_SPAWN_SETSID (glibc 2.26)
    posix_spawnattr_setflags(&attributes, Int16(flags))
    posix_spawnattr_setpgroup(&attributes, 0)
    var empty = sigset_t()
    sigemptyset(&empty)
    posix_spawnattr_setsigmask(&attributes, &empty)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGQUIT] {
      sigaddset(&defaults, signal)
    }
    posix_spawnattr_setsigdefault(&attributes, &defaults)

    var pid: pid_t = 0
    let code = withCStrings(request.arguments) { argv in
      if let environment = request.environment {
        return withCStrings(environment) { envp in
          start(&pid, request, &actions, &attributes, argv, envp)
        }
      }
      return start(&pid, request, &actions, &attributes, argv, environ)
    }
    return try started(pid: pid, code: code, executable: request.executable)
  }

  /// The child of a spawn call that returned `code` (0 on success): watched through a new pidfd, or
  /// killed and reaped if no pidfd can be had.
  static func started(pid: pid_t, code: Int32, executable: String) throws(PosixError)
    -> ChildProcess
  {
    if code != 0 {
      throw PosixError.system(operation: "start \(executable)", errno: Errno(rawValue: code))
    }
    let pidfd = cdp_pidfd_open(pid)
    if pidfd < 0 {
      let error = currentErrno()
      kill(pid, SIGKILL)
      var status: Int32 = 0
      waitpid(pid, &status, 0)
      throw PosixError.system(operation: "pidfd_open \(pid)", errno: error)
    }
    _ = fcntl(pidfd, F_SETFD, FD_CLOEXEC)
    return ChildProcess(pid: pid, pidfd: FileDescriptor(rawValue: pidfd))
  }

  /// Waits for the child to finish, no later than `deadline`.
  ///
  /// - Returns: its status (the child is then reaped and the pidfd closed), or nil if the deadline passed.
  public func wait(deadline: Deadline) throws(PosixError) -> ProcessStatus? {
    let events = try Poll.wait([(pidfd, .readable)], deadline: deadline)[0]
    if events.isEmpty { return nil }
    return try reap()
  }

  /// Reaps the child after `pidfd` became readable (or blocks until it exits), and closes the pidfd.
  public func reap() throws(PosixError) -> ProcessStatus {
    var status: Int32 = 0
    _ = try syscall("waitpid \(pid)") { waitpid(pid, &status, 0) }
    pidfd.closeIgnoringErrors()
    return ProcessStatus(rawValue: status)
  }

  /// Sends `signal` to the child (through its pidfd, so a recycled pid is never hit).
  public func send(_ signal: Int32) {
    _ = cdp_pidfd_send_signal(pidfd.rawValue, signal)
  }

  /// Sends `signal` to the child's process group (requires `newProcessGroup`).
  public func sendToGroup(_ signal: Int32) {
    _ = kill(-pid, signal)
  }
}

private func start(
  _ pid: inout pid_t, _ request: SpawnRequest, _ actions: inout posix_spawn_file_actions_t,
  _ attributes: inout posix_spawnattr_t, _ argv: UnsafePointer<UnsafeMutablePointer<CChar>?>,
  _ envp: UnsafePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
  if request.searchPath && !request.executable.contains("/") {
    return posix_spawnp(&pid, request.executable, &actions, &attributes, argv, envp)
  }
  return posix_spawn(&pid, request.executable, &actions, &attributes, argv, envp)
}

/// Calls `body` with a NULL-terminated C array of the NUL-terminated strings in `strings`.
func withCStrings<R>(
  _ strings: [[UInt8]], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R
) -> R {
  let total = strings.reduce(0) { $0 + $1.count + 1 }
  let storage = UnsafeMutablePointer<CChar>.allocate(capacity: Swift.max(total, 1))
  defer { storage.deallocate() }
  var pointers = [UnsafeMutablePointer<CChar>?]()
  pointers.reserveCapacity(strings.count + 1)
  var offset = 0
  for string in strings {
    pointers.append(storage + offset)
    string.withUnsafeBufferPointer { bytes in
      if let base = bytes.baseAddress {
        UnsafeMutableRawPointer(storage + offset).copyMemory(from: base, byteCount: bytes.count)
      }
    }
    (storage + offset + string.count).pointee = 0
    offset += string.count + 1
  }
  pointers.append(nil)
  return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
