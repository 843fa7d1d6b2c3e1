internal import CDistPosix
internal import Glibc
public import SystemPackage

/// Temporary files and directories, created with the race-free calls (`mkostemps`, `mkdtemp`), and removal
/// of whole trees without following symbolic links.
public enum TemporaryFiles {
  /// Creates a new file `<directory>/<prefix>XXXXXX<suffix>`, mode 0600, open for reading and writing,
  /// close-on-exec.
  ///
  /// - Returns: the open descriptor and the file's path.
  public static func makeFile(in directory: String, prefix: String, suffix: String = "")
    throws(PosixError) -> (FileDescriptor, String)
  {
    var template = Array("\(directory)/\(prefix)XXXXXX\(suffix)".utf8CString)
    let fd = try syscall("create temporary file in \(directory)") {
      template.withUnsafeMutableBufferPointer {
        cdp_mkostemps($0.baseAddress!, Int32(suffix.utf8.count), O_CLOEXEC)
      }
    }
    let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    return (FileDescriptor(rawValue: fd), path)
  }

  /// Creates a new directory `<directory>/<prefix>XXXXXX`, mode 0700.
  public static func makeDirectory(in directory: String, prefix: String) throws(PosixError) -> String
  {
    var template = Array("\(directory)/\(prefix)XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    guard made != nil else {
      throw PosixError.system(
        operation: "create temporary directory in \(directory)", errno: currentErrno())
    }
    return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
  }

  /// Removes `path` and, if it is a directory, everything below it. Symbolic links are removed, never
  /// followed. A missing path is not an error.
  public static func removeTree(_ path: String) throws(PosixError) {
    try removeTree(at: AT_FDCWD, name: path, display: path)
  }

  private static func removeTree(at parent: Int32, name: String, display: String) throws(PosixError) {
    if unlinkat(parent, name, 0) == 0 { return }
    let first = currentErrno()
    if first == .noSuchFileOrDirectory { return }
    guard first == .isDirectory || first == .notPermitted else {
      throw PosixError.system(operation: "remove \(display)", errno: first)
    }
    let fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    guard fd >= 0 else { throw PosixError.system(operation: "open \(display)", errno: currentErrno()) }
    guard let directory = fdopendir(fd) else {
      close(fd)
      throw PosixError.system(operation: "read \(display)", errno: currentErrno())
    }
    var names: [String] = []
    while let entry = readdir(directory) {
      let child = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      if child != "." && child != ".." { names.append(child) }
    }
    var failure: PosixError?
    for child in names {
      do throws(PosixError) {
        try removeTree(at: dirfd(directory), name: child, display: "\(display)/\(child)")
      } catch {
        failure = failure ?? error
      }
    }
    closedir(directory)
    if let failure { throw failure }
    _ = try syscall("remove \(display)") { unlinkat(parent, name, AT_REMOVEDIR) }
  }
}
