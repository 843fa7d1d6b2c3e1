internal import CDistPosix
internal import Glibc

/// Landlock (Linux 5.13+): an unprivileged process restricts itself, and everything it starts, to the
/// file-system access its rules grant. Rights the ruleset does not handle (reading) stay unrestricted.
///
/// A domain belongs to the calling thread and is inherited by every process it starts; it can only be
/// narrowed, never lifted. `distccd-sandbox` applies one just before it `exec`s the compiler.
public enum Landlock {
  /// What the restricted process may still do.
  public struct Rules: Sendable, Equatable {
    /// Directories beneath which files and directories may be created, written, truncated, renamed and
    /// removed (the job directory, the compiler's temporary directory).
    public var writableDirectories: [String]
    /// Single files that may be opened for writing (`/dev/null`).
    public var writableFiles: [String]
    /// Directories beneath which programs may be executed; nil leaves execution unrestricted.
    public var executableDirectories: [String]?
    /// No TCP `bind` or `connect` (ABI 4+; ignored on older kernels).
    public var denyNetwork: Bool
    /// No signals to, and no abstract UNIX sockets of, processes outside the domain (ABI 6+).
    public var isolateProcesses: Bool

    public init(
      writableDirectories: [String], writableFiles: [String] = ["/dev/null"],
      executableDirectories: [String]? = nil, denyNetwork: Bool = true, isolateProcesses: Bool = true
    ) {
      self.writableDirectories = writableDirectories
      self.writableFiles = writableFiles
      self.executableDirectories = executableDirectories
      self.denyNetwork = denyNetwork
      self.isolateProcesses = isolateProcesses
    }
  }

  /// The kernel's Landlock ABI version, or nil where Landlock is missing or disabled.
  public static func abiVersion() -> Int? {
    let version = cdp_landlock_abi_version()
    return version > 0 ? Int(version) : nil
  }

  /// Restricts the calling thread and its future children to `rules`, after setting `no_new_privs`
  /// (which Landlock requires of unprivileged callers).
  ///
  /// - Returns: the ABI version applied.
  /// - Throws: `PosixError` if Landlock is missing (`ENOSYS`/`EOPNOTSUPP`) or a rule cannot be added (a
  ///   named directory that does not exist).
  @discardableResult
  public static func restrictSelf(_ rules: Rules) throws(PosixError) -> Int {
    guard let abi = abiVersion() else {
      throw PosixError.system(operation: "landlock_create_ruleset", errno: .noFunction)
    }
    var writeRights = Access.write
    if abi >= 2 { writeRights |= Access.refer }
    if abi >= 3 { writeRights |= Access.truncate }
    var handled = writeRights
    if rules.executableDirectories != nil { handled |= Access.execute }
    let network: UInt64 = rules.denyNetwork && abi >= 4 ? Access.bindTCP | Access.connectTCP : 0
    let scoped: UInt64 = rules.isolateProcesses && abi >= 6 ? Access.scopeAbstractSocket | Access.scopeSignal : 0

    let ruleset = try syscall("landlock_create_ruleset") {
      cdp_landlock_create_ruleset(handled, network, scoped, Int32(abi))
    }
    defer { close(ruleset) }
    for directory in rules.writableDirectories {
      _ = try syscall("landlock_add_rule \(directory)") {
        cdp_landlock_allow_path(ruleset, directory, writeRights)
      }
    }
    let fileRights = writeRights & (Access.writeFile | Access.truncate)
    for file in rules.writableFiles {
      _ = try syscall("landlock_add_rule \(file)") { cdp_landlock_allow_path(ruleset, file, fileRights) }
    }
    // Executable directories are a standard list; one this system lacks (`/lib32`) is skipped.
    for directory in rules.executableDirectories ?? [] where access(directory, F_OK) == 0 {
      _ = try syscall("landlock_add_rule \(directory)") {
        cdp_landlock_allow_path(ruleset, directory, Access.execute)
      }
    }
    try ProcessEnvironment.forbidNewPrivileges()
    _ = try syscall("landlock_restrict_self") { cdp_landlock_restrict_self(ruleset) }
    return abi
  }

  /// `LANDLOCK_ACCESS_*` bits (linux/landlock.h; the installed header predates ABI 3).
  enum Access {
    static let execute: UInt64 = 1 << 0
    static let writeFile: UInt64 = 1 << 1
    static let truncate: UInt64 = 1 << 14
    static let refer: UInt64 = 1 << 13
    /// Write, remove, and make every kind of file (bits 1, 4-12).
    static let write: UInt64 = writeFile | (0b1_1111_1111 << 4)
    static let bindTCP: UInt64 = 1 << 0
    static let connectTCP: UInt64 = 1 << 1
    static let scopeAbstractSocket: UInt64 = 1 << 0
    static let scopeSignal: UInt64 = 1 << 1
  }
}
