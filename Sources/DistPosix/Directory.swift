internal import Glibc
public import SystemPackage

/// Reading directories, and the `*at` calls that work relative to an open directory, so that a name is
/// looked up in the directory the caller holds and never through a path an attacker may have changed.
public enum Directory {
  /// The names in the directory `path`, without `.` and `..`, in the order the file system lists them.
  public static func entries(_ path: String) throws(PosixError) -> [String] {
    let fd = try FileDescriptor.open(path, .readOnly, options: .directory)
    return try readAndClose(fd, display: path)
  }

  /// Reads the directory `fd` and closes it.
  private static func readAndClose(_ fd: FileDescriptor, display: String) throws(PosixError)
    -> [String]
  {
    guard let stream = fdopendir(fd.rawValue) else {
      let code = currentErrno()
      fd.closeIgnoringErrors()
      throw PosixError.system(operation: "opendir \(display)", errno: code)
    }
    defer { closedir(stream) }
    var names: [String] = []
    while let entry = readdir(stream) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) {
        String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names
  }
}

extension FileDescriptor {
  /// Creates the directory `name` in this directory (`mkdirat(2)`).
  public func makeDirectory(at name: String, permissions: FilePermissions) throws(PosixError) {
    _ = try syscall("mkdir \(name)") { mkdirat(rawValue, name, mode_t(permissions.rawValue)) }
  }

  /// Removes the entry `name` of this directory (`unlinkat(2)`); `directory`: it is an empty directory.
  public func removeEntry(_ name: String, directory: Bool = false) throws(PosixError) {
    _ = try syscall("unlink \(name)") { unlinkat(rawValue, name, directory ? AT_REMOVEDIR : 0) }
  }

  /// Creates the symbolic link `name` in this directory pointing to `target` (`symlinkat(2)`).
  public func makeSymbolicLink(at name: String, to target: String) throws(PosixError) {
    _ = try syscall("symlink \(name)") { symlinkat(target, rawValue, name) }
  }
}
