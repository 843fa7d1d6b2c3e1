internal import Glibc

/// Writes a compile's output atomically (3.4 wrote it in place, client.md §11): the bytes go to an unnamed
/// `O_TMPFILE` in the output's directory, which gets a temporary name only once complete and is then renamed
/// over the output. A killed or failed job leaves the previous file (or none), never a truncated one, and only
/// a kill in the instant between naming and renaming can leave a `.NAME.distcc-PID-N` file behind. File systems
/// without `O_TMPFILE` get a named temporary file from the start.
enum ObjectFile {
  /// Linux's `O_TMPFILE` (`__O_TMPFILE | O_DIRECTORY`), a macro Swift does not import.
  private static let temporaryFileFlag: Int32 = 0o20_000_000 | O_DIRECTORY

  /// Writes `bytes` to `path` (mode 0666 & ~umask), creating missing parent directories as 3.4 does.
  static func write(_ bytes: [UInt8], to path: String) throws(ClientError) {
    if try writeIntoDevice(bytes, path) { return }
    let slash = path.lastIndex(of: "/")
    let directory = slash.map { String(path[..<$0]) }.map { $0.isEmpty ? "/" : $0 }
    if let directory { try FileSystem.makeDirectories(directory) }
    let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
    let prefix =
      (directory.map { $0 == "/" ? "/" : $0 + "/" } ?? "") + "." + base + ".distcc-\(getpid())-"

    var fd = open(directory ?? ".", temporaryFileFlag | O_WRONLY | O_CLOEXEC, 0o666)
    let anonymous = fd >= 0
    var temporary = ""
    if !anonymous {
      (fd, temporary) = try createNamed(prefix: prefix)
    }
    do {
      try writeAll(fd, bytes, path: path)
      if anonymous {
        temporary = try link(fd, prefix: prefix)
      }
    } catch {
      close(fd)
      if !temporary.isEmpty { unlink(temporary) }
      throw error
    }
    if close(fd) != 0 {
      let code = errno
      unlink(temporary)
      throw .system(operation: "close", path: path, errno: code)
    }
    if rename(temporary, path) != 0 {
      let code = errno
      unlink(temporary)
      throw .system(operation: "rename", path: path, errno: code)
    }
  }

  /// An output that is a device or FIFO (`-o /dev/null`, a node of a test's own) is written into, as the
  /// compiler would, never replaced by a regular file. False if `path` is not one.
  private static func writeIntoDevice(_ bytes: [UInt8], _ path: String) throws(ClientError) -> Bool
  {
    var info = stat()
    guard lstat(path, &info) == 0 else { return false }
    let type = info.st_mode & S_IFMT
    guard type == S_IFCHR || type == S_IFBLK || type == S_IFIFO else { return false }
    let fd = open(path, O_WRONLY | O_CLOEXEC)
    guard fd >= 0 else { throw .system(operation: "open", path: path, errno: errno) }
    defer { close(fd) }
    try writeAll(fd, bytes, path: path)
    return true
  }

  /// Creates `prefix` + N exclusively.
  private static func createNamed(prefix: String) throws(ClientError) -> (Int32, String) {
    for attempt in 0..<100 {
      let name = prefix + String(attempt)
      let fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
      if fd >= 0 { return (fd, name) }
      if errno != EEXIST { throw .system(operation: "open", path: name, errno: errno) }
    }
    throw .system(operation: "open", path: prefix + "*", errno: EEXIST)
  }

  /// Gives the unnamed file `fd` the first free name `prefix` + N.
  private static func link(_ fd: Int32, prefix: String) throws(ClientError) -> String {
    for attempt in 0..<100 {
      let name = prefix + String(attempt)
      if linkat(AT_FDCWD, "/proc/self/fd/\(fd)", AT_FDCWD, name, AT_SYMLINK_FOLLOW) == 0 {
        return name
      }
      if errno != EEXIST { throw .system(operation: "link", path: name, errno: errno) }
    }
    throw .system(operation: "link", path: prefix + "*", errno: EEXIST)
  }

  private static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(ClientError) {
    var offset = 0
    while offset < bytes.count {
      let written = bytes.withUnsafeBytes {
        Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset)
      }
      if written < 0 {
        if errno == EINTR { continue }
        throw .system(operation: "write", path: path, errno: errno)
      }
      offset += written
    }
  }

  /// Writes `bytes` to a descriptor (relayed compiler output); errors are ignored like 3.4's.
  static func relay(_ bytes: [UInt8], to fd: Int32) {
    var offset = 0
    while offset < bytes.count {
      let written = bytes.withUnsafeBytes {
        Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset)
      }
      if written < 0 && errno == EINTR { continue }
      if written <= 0 { return }
      offset += written
    }
  }
}
