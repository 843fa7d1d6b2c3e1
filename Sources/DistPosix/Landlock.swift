internal import CDistPosix
internal import Glibc

/// Landlock (Linux 5.13+): an unprivileged process restricts itself, and everything it starts, to the
/// file-system access its rules grant. Rights the rules do not handle (reading) stay unrestricted.
///
/// The daemon never restricts its own threads: `ChildProcess.spawnConfined` builds the ruleset in the
/// parent and the child applies it between fork and exec (posix_spawn has no such hook).
public enum Landlock {
  /// What a confined process may still do besides reading.
  public struct Rules: Sendable, Equatable {
    /// Directories beneath which files may be created, written, truncated, renamed and removed.
    public var writableDirectories: [String]
    /// Single files that may be opened for writing (`/dev/null`).
    public var writableFiles: [String]
    /// Directories beneath which programs may be executed; nil leaves execution unrestricted. Those this
    /// system lacks are skipped.
    public var executableDirectories: [String]?
    /// No TCP `bind` or `connect` (ABI 4+; ignored on older kernels).
    public var denyNetwork: Bool
    /// No signals to, and no abstract UNIX sockets of, processes outside the domain (ABI 6+).
    public var isolateProcesses: Bool

    public init(
      writableDirectories: [String], writableFiles: [String] = ["/dev/null"],
      executableDirectories: [String]? = Landlock.systemExecutableDirectories,
      denyNetwork: Bool = true,
      isolateProcesses: Bool = true
    ) {
      self.writableDirectories = writableDirectories
      self.writableFiles = writableFiles
      self.executableDirectories = executableDirectories
      self.denyNetwork = denyNetwork
      self.isolateProcesses = isolateProcesses
    }
  }

  /// Where compilers and their helpers (`cc1`, `as`) live. Not `/tmp`, not a job directory.
  public static let systemExecutableDirectories = [
    "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/opt", "/etc/alternatives",
  ]

  /// The kernel's Landlock ABI version, or nil where Landlock is missing or disabled (asked once: it
  /// cannot change while the process runs).
  public static func abiVersion() -> Int? { kernelABI }

  private static let kernelABI: Int? = {
    let version = cdp_landlock_abi_version()
    return version > 0 ? Int(version) : nil
  }()

  /// O_PATH descriptors of ``systemExecutableDirectories`` and `/dev/null`, opened on first use and kept
  /// (-1: absent then), so that a ruleset with the standard rules costs no path lookups. A standard
  /// directory created or mounted over after that is seen by the process's next start.
  private static let standardHandles: [String: Int32] = {
    var handles: [String: Int32] = [:]
    for path in systemExecutableDirectories + ["/dev/null"] {
      handles[path] = cdp_open_path(path)
    }
    return handles
  }()

  /// One line for the daemon's start-up log: what a compiler confined at ABI `abi` cannot do.
  public static func capabilities(abi: Int) -> String {
    var parts = ["writes only inside its job directory", "executes only system programs"]
    if abi >= 4 { parts.append("opens no TCP connections") }
    if abi >= 6 { parts.append("signals nothing outside its job") }
    return "Landlock ABI \(abi): compilers " + parts.joined(separator: ", ")
  }

  /// Builds the ruleset for `rules`; the caller closes the returned descriptor. Executable directories
  /// this system lacks are skipped.
  static func ruleset(_ rules: Rules) throws(PosixError) -> Int32 {
    guard let abi = abiVersion() else {
      throw PosixError.system(operation: "landlock", errno: .notSupported)
    }
    var opened: [Int32] = []
    defer { for fd in opened { close(fd) } }
    /// The rule's descriptor for `path`; nil for a missing directory that may be skipped.
    func handle(_ path: String, skipIfMissing: Bool) throws(PosixError) -> Int32? {
      if let cached = standardHandles[path] {
        if cached >= 0 { return cached }
        if skipIfMissing { return nil }
      }
      let fd = cdp_open_path(path)
      if fd >= 0 {
        opened.append(fd)
        return fd
      }
      let error = currentErrno()
      if skipIfMissing && access(path, F_OK) != 0 { return nil }
      throw PosixError.system(operation: "landlock \(path)", errno: error)
    }
    var writable: [Int32] = []
    for path in rules.writableDirectories {
      writable.append(try handle(path, skipIfMissing: false)!)
    }
    var files: [Int32] = []
    for path in rules.writableFiles { files.append(try handle(path, skipIfMissing: false)!) }
    var executable: [Int32] = []
    var paths = rules.writableDirectories + rules.writableFiles
    for path in rules.executableDirectories ?? [] {
      if let fd = try handle(path, skipIfMissing: true) {
        executable.append(fd)
        paths.append(path)
      }
    }
    var failed: Int32 = -1
    let descriptor = cdp_landlock_ruleset(
      Int32(abi), writable, Int32(writable.count), files, Int32(files.count), executable,
      rules.executableDirectories == nil ? -1 : Int32(executable.count),
      rules.denyNetwork ? 1 : 0, rules.isolateProcesses ? 1 : 0, &failed)
    if descriptor < 0 {
      let error = currentErrno()
      let object = paths.indices.contains(Int(failed)) ? " " + paths[Int(failed)] : ""
      throw PosixError.system(operation: "landlock\(object)", errno: error)
    }
    return descriptor
  }
}
