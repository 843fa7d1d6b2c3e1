internal import Glibc
public import SystemPackage

/// The calls that act on a path rather than on an open descriptor: access checks, links, directories,
/// removal. Failures name the call and the path.
public enum Paths {
  /// What `access(2)` is asked about.
  public struct Access: OptionSet, Sendable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    /// The file exists.
    public static let exists = Access([])
    public static let read = Access(rawValue: R_OK)
    public static let write = Access(rawValue: W_OK)
    public static let execute = Access(rawValue: X_OK)
  }

  /// Whether this process may access `path` as `access` asks (`access(2)`, real ids).
  public static func isAccessible(_ path: String, _ access: Access) -> Bool {
    Glibc.access(path, access.rawValue) == 0
  }

  /// Checks that this process may access `path` as `access` asks; the error says why not.
  public static func checkAccess(_ path: String, _ access: Access) throws(PosixError) {
    _ = try syscall("access \(path)") { Glibc.access(path, access.rawValue) }
  }

  /// Removes the file (not directory) `path` (`unlink(2)`).
  public static func remove(_ path: String) throws(PosixError) {
    _ = try syscall("unlink \(path)") { unlink(path) }
  }

  /// Removes the empty directory `path` (`rmdir(2)`).
  public static func removeDirectory(_ path: String) throws(PosixError) {
    _ = try syscall("rmdir \(path)") { rmdir(path) }
  }

  /// Creates the directory `path` with `permissions` (before the umask).
  public static func makeDirectory(_ path: String, permissions: FilePermissions) throws(PosixError)
  {
    _ = try syscall("mkdir \(path)") { mkdir(path, mode_t(permissions.rawValue)) }
  }

  /// Creates the symbolic link `path` pointing to `target`.
  public static func makeSymbolicLink(_ path: String, to target: String) throws(PosixError) {
    _ = try syscall("symlink \(path)") { symlink(target, path) }
  }

  /// The target of the symbolic link `path` (`readlink(2)`).
  public static func linkTarget(_ path: String) throws(PosixError) -> String {
    var buffer = [UInt8](repeating: 0, count: 4096)
    let count = try syscall("readlink \(path)") {
      buffer.withUnsafeMutableBytes { readlink(path, $0.baseAddress!, $0.count - 1) }
    }
    return String(decoding: buffer[..<count], as: UTF8.self)
  }

  /// The canonical absolute path of `path`: symbolic links, `.` and `..` resolved (`realpath(3)`).
  public static func resolved(_ path: String) throws(PosixError) -> String {
    guard let pointer = realpath(path, nil) else {
      throw PosixError.system(operation: "realpath \(path)", errno: currentErrno())
    }
    defer { free(pointer) }
    return String(cString: pointer)
  }

  /// The current working directory (`getcwd(3)`).
  public static func currentDirectory() throws(PosixError) -> String {
    guard let pointer = getcwd(nil, 0) else {
      throw PosixError.system(operation: "getcwd", errno: currentErrno())
    }
    defer { free(pointer) }
    return String(cString: pointer)
  }
}
