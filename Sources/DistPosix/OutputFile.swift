internal import Glibc
internal import SystemPackage

/// Writes a file a compiler produces for the user (an object, a dependency file) the way GNU `as` would treat
/// the path, but never leaving a truncated file behind.
///
/// GNU `as` (BFD's `bfd_open_file`) unlinks the output first when `stat` gives it a non-zero size and `lstat`
/// says it is a regular file or a symbolic link, then opens it for writing (following links, creating it if
/// missing). distcc 3.4's `dcc_r_file` copies that rule. Measured with GCC 12 and binutils 2.40, as root and
/// as an ordinary user, this means (and `write(_:to:)` does):
///
/// | existing path | GNU as | here |
/// |---|---|---|
/// | none, regular file | new file (empty: truncated in place) | new file renamed into place |
/// | character or block device, FIFO | written in place | written in place (`O_WRONLY`, no `O_CREAT`/`O_TRUNC`) |
/// | symbolic link to something non-empty | link replaced by a new file | the same |
/// | symbolic link to an empty file, dangling link | written through the link | new file renamed over the link's final target |
/// | second name of a hard-linked file | new file; the other name keeps the old one | the same |
/// | read-only file | replaced if non-empty, `EACCES` if empty | the same |
/// | directory | `EISDIR` | the same |
///
/// A new file is an unnamed `O_TMPFILE` beside its final name, mode 0666 & ~umask, given a temporary name
/// `.NAME.distcc-PID-N` only once complete and then renamed into place: a killed or failed job leaves the
/// previous file (or none), never a truncated one. File systems without `O_TMPFILE` get the named temporary
/// file from the start.
public enum OutputFile {
  /// Where the bytes go.
  enum Destination: Equatable {
    /// A new regular file renamed to this name.
    case newFile(String)
    /// This existing file, opened for writing as it is.
    case inPlace(String)
  }

  /// Writes `bytes` to `path`. The parent directory must exist.
  ///
  /// - Throws: `PosixError` whose operation names `path` (`write x.o: Is a directory`).
  public static func write(_ bytes: [UInt8], to path: String) throws(PosixError) {
    let output = try Stream(path: path)
    try output.write(bytes)
    try output.commit()
  }

  /// Decides, as GNU `as` would, whether `path` is replaced by a new file or written in place.
  static func destination(of path: String) throws(PosixError) -> Destination {
    guard let own = try FileStatus.of(path, followingLinks: false) else { return .newFile(path) }
    switch own.kind {
    case .regular:
      if own.size == 0 { try requireWritable(path) }
      return .newFile(path)
    case .symbolicLink:
      let target = try FileStatus.of(path, followingLinks: true)
      guard let target else { return .newFile(try finalName(of: path)) }
      if target.size > 0 { return .newFile(path) }
      guard target.kind == .regular else { return .inPlace(path) }
      let name = try finalName(of: path)
      try requireWritable(name)
      return .newFile(name)
    default:
      // Devices and FIFOs are written through; `open` itself refuses a directory or a socket.
      return .inPlace(path)
    }
  }

  /// The last name in the chain of symbolic links starting at `path`: a name that is missing or not a link.
  static func finalName(of path: String) throws(PosixError) -> String {
    var name = path
    for _ in 0..<40 {
      guard let status = try FileStatus.of(name, followingLinks: false),
        status.kind == .symbolicLink
      else { return name }
      let target = try SymbolicLink.target(of: name)
      name = target.hasPrefix("/") ? target : directory(of: name) + "/" + target
    }
    throw PosixError.system(operation: "resolve \(path)", errno: .tooManySymbolicLinkLevels)
  }

  /// Fails with `EACCES` where opening `path` for writing would (GNU `as` truncates an empty file in place).
  private static func requireWritable(_ path: String) throws(PosixError) {
    _ = try syscall("open \(path)") { access(path, W_OK) }
  }

  /// Linux's `O_TMPFILE` (`__O_TMPFILE | O_DIRECTORY`), a macro Swift does not import.
  static let temporaryFileFlag: Int32 = 0o20_000_000 | O_DIRECTORY

  /// Creates `prefix` + N exclusively.
  static func createNamed(prefix: String) throws(PosixError) -> (FileDescriptor, String) {
    for attempt in 0..<100 {
      let name = prefix + String(attempt)
      let fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
      if fd >= 0 { return (FileDescriptor(rawValue: fd), name) }
      let code = currentErrno()
      if code != .fileExists { throw PosixError.system(operation: "create \(name)", errno: code) }
    }
    throw PosixError.system(operation: "create \(prefix)*", errno: .fileExists)
  }

  /// Gives the unnamed file `fd` the first free name `prefix` + N.
  static func link(_ fd: FileDescriptor, prefix: String) throws(PosixError) -> String {
    for attempt in 0..<100 {
      let name = prefix + String(attempt)
      if linkat(AT_FDCWD, "/proc/self/fd/\(fd.rawValue)", AT_FDCWD, name, AT_SYMLINK_FOLLOW) == 0 {
        return name
      }
      let code = currentErrno()
      if code != .fileExists { throw PosixError.system(operation: "link \(name)", errno: code) }
    }
    throw PosixError.system(operation: "link \(prefix)*", errno: .fileExists)
  }

  /// The directory part of `path`: `.` for a bare name, `/` for a name in the root.
  static func directory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
  }
}
