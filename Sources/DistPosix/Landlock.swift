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

  /// The kernel's Landlock ABI version, or nil where Landlock is missing or disabled.
  public static func abiVersion() -> Int? {
    let version = cdp_landlock_abi_version()
    return version > 0 ? Int(version) : nil
  }

  /// One line for the daemon's start-up log: what a compiler confined at ABI `abi` cannot do.
  public static func capabilities(abi: Int) -> String {
    var parts = ["writes only inside its job directory", "executes only system programs"]
    if abi >= 4 { parts.append("opens no TCP connections") }
    if abi >= 6 { parts.append("signals nothing outside its job") }
    return "Landlock ABI \(abi): compilers " + parts.joined(separator: ", ")
  }

  /// Builds the ruleset for `rules`; the caller closes the returned descriptor.
  static func ruleset(_ rules: Rules) throws(PosixError) -> Int32 {
    let executable = rules.executableDirectories ?? []
    // The failing path points into the C strings' storage: copy it before that is released.
    let (descriptor, error, failedPath) = withCStrings(
      rules.writableDirectories.map { Array($0.utf8) }
    ) {
      writable in
      withCStrings(rules.writableFiles.map { Array($0.utf8) }) { files in
        withCStrings(executable.map { Array($0.utf8) }) { exec in
          var failed: UnsafePointer<CChar>? = nil
          let descriptor = cdp_landlock_ruleset(
            constant(writable), Int32(rules.writableDirectories.count), constant(files),
            Int32(rules.writableFiles.count), constant(exec),
            rules.executableDirectories == nil ? -1 : Int32(executable.count),
            rules.denyNetwork ? 1 : 0, rules.isolateProcesses ? 1 : 0, &failed)
          let error = currentErrno()
          return (descriptor, error, failed.map { String(cString: $0) })
        }
      }
    }
    if descriptor < 0 {
      let object = failedPath.map { " " + $0 } ?? ""
      throw PosixError.system(operation: "landlock\(object)", errno: error)
    }
    return descriptor
  }
}

/// `char **` as the `const char *const *` the C routine takes.
func constant(
  _ strings: UnsafePointer<UnsafeMutablePointer<CChar>?>
) -> UnsafePointer<UnsafePointer<CChar>?> {
  UnsafePointer(OpaquePointer(strings))
}
