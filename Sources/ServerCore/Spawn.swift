import Glibc
import SystemPackage

/// A process started with `posix_spawn` (never `fork` from Swift), watched through a pidfd.
struct SpawnedProcess: Sendable {
  var pid: pid_t
  /// A pidfd: readable once the process has exited. -1 if the kernel has no `pidfd_open`.
  var pidfd: Int32

  /// What to start.
  struct Request {
    var executable: String
    var arguments: [[UInt8]]
    var environment: [String]
    var workingDirectory: String? = nil
    var standardInput = "/dev/null"
    /// File that receives stdout (truncated) and stderr (appended); `nil` inherits.
    var standardOutput: String? = nil
    var standardError: String? = nil
    var newProcessGroup = false
    var newSession = false
  }

  /// Starts `request`. Signals blocked or ignored in the daemon are reset to default in the child.
  static func spawn(_ request: Request) -> Result<SpawnedProcess, Errno> {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, request.standardInput, O_RDONLY, 0)
    if let out = request.standardOutput {
      posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    }
    if let err = request.standardError {
      posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_APPEND, 0o600)
    }
    // Nothing but 0-2 reaches the child, whatever the daemon inherited without close-on-exec.
    if let closeFrom = SpawnedProcess.addCloseFrom { _ = closeFrom(&actions, 3) }
    if let dir = request.workingDirectory {
      guard let addChdir = SpawnedProcess.addChdir else { return .failure(Errno(rawValue: ENOSYS)) }
      _ = addChdir(&actions, dir)
    }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
    if request.newProcessGroup { flags |= Int32(POSIX_SPAWN_SETPGROUP) }
    if request.newSession { flags |= 0x80 }  // POSIX_SPAWN_SETSID (glibc 2.26+)
    posix_spawnattr_setflags(&attributes, Int16(flags))
    posix_spawnattr_setpgroup(&attributes, 0)
    var empty = sigset_t()
    sigemptyset(&empty)
    posix_spawnattr_setsigmask(&attributes, &empty)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGALRM, SIGCHLD, SIGQUIT] { sigaddset(&defaults, signal) }
    posix_spawnattr_setsigdefault(&attributes, &defaults)

    let argv = request.arguments.map { bytes -> UnsafeMutablePointer<CChar>? in
      let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
      bytes.withUnsafeBytes { raw in
        for (index, byte) in raw.enumerated() { pointer[index] = CChar(bitPattern: byte) }
      }
      pointer[bytes.count] = 0
      return pointer
    }
    let envp = request.environment.map { strdup($0) }
    defer {
      argv.forEach { $0?.deallocate() }
      envp.forEach { free($0) }
    }
    var pid: pid_t = 0
    let result = (argv + [nil]).withUnsafeBufferPointer { argvBuffer in
      (envp + [nil]).withUnsafeBufferPointer { envBuffer in
        posix_spawn(
          &pid, request.executable, &actions, &attributes,
          UnsafeMutablePointer(mutating: argvBuffer.baseAddress!),
          UnsafeMutablePointer(mutating: envBuffer.baseAddress!))
      }
    }
    guard result == 0 else { return .failure(Errno(rawValue: result)) }
    let pidfd = SpawnedProcess.pidfdOpen.map { $0(pid, 0) } ?? -1
    if pidfd >= 0 { _ = fcntl(pidfd, F_SETFD, FD_CLOEXEC) }
    return .success(SpawnedProcess(pid: pid, pidfd: pidfd))
  }

  /// Reaps the process if it has exited; returns its raw wait status.
  func reap(blocking: Bool) -> UInt32? {
    var status: Int32 = 0
    while true {
      let got = waitpid(pid, &status, blocking ? 0 : WNOHANG)
      if got == pid {
        if pidfd >= 0 { close(pidfd) }
        return UInt32(bitPattern: status)
      }
      if got < 0 && errno == EINTR { continue }
      return nil
    }
  }

  /// Sends `signal` to the process's whole group (it leads one when spawned with `newProcessGroup`).
  func signalGroup(_ signal: Int32) { kill(-pid, signal) }

  private typealias AddChdir = @convention(c) (
    UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>
  ) -> Int32
  private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
  private typealias PidfdOpen = @convention(c) (pid_t, UInt32) -> Int32

  // glibc exports these, but its Swift module map does not declare them.
  private static let addChdir: AddChdir? = dlsym(dlopen(nil, RTLD_NOW), "posix_spawn_file_actions_addchdir_np")
    .map { unsafeBitCast($0, to: AddChdir.self) }
  private static let addCloseFrom: AddCloseFrom? = dlsym(
    dlopen(nil, RTLD_NOW), "posix_spawn_file_actions_addclosefrom_np"
  ).map { unsafeBitCast($0, to: AddCloseFrom.self) }
  private static let pidfdOpen: PidfdOpen? = dlsym(dlopen(nil, RTLD_NOW), "pidfd_open")
    .map { unsafeBitCast($0, to: PidfdOpen.self) }

  /// Finds `name` like `execvp` would, in `searchPath` (a name containing `/` is used as is).
  static func resolve(_ name: String, searchPath: String) -> String? {
    if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
    for dir in searchPath.split(separator: ":", omittingEmptySubsequences: false) {
      let candidate = (dir.isEmpty ? "." : String(dir)) + "/" + name
      var info = stat()
      if access(candidate, X_OK) == 0, stat(candidate, &info) == 0, info.st_mode & S_IFMT == S_IFREG {
        return candidate
      }
    }
    return nil
  }
}
