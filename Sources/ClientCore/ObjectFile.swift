internal import Glibc

/// Writes a compile's output atomically: a temporary file beside the output, then `rename`. A killed or
/// failed job leaves the previous file (or none), never a truncated one (3.4 wrote in place, client.md §11).
enum ObjectFile {
  /// Writes `bytes` to `path` (mode 0666 & ~umask), creating missing parent directories as 3.4 does.
  static func write(_ bytes: [UInt8], to path: String) throws(ClientError) {
    let directory = path.lastIndex(of: "/").map { String(path[..<$0]) }
    if let directory, !directory.isEmpty { try FileSystem.makeDirectories(directory) }
    let base = path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
    let prefix =
      (directory.map { $0.isEmpty ? "/" : $0 + "/" } ?? "") + "." + base + ".distcc-\(getpid())-"
    var temporary = ""
    var fd: Int32 = -1
    for attempt in 0..<100 {
      temporary = prefix + String(attempt)
      fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
      if fd >= 0 || errno != EEXIST { break }
    }
    guard fd >= 0 else { throw .system(operation: "open", path: temporary, errno: errno) }
    var offset = 0
    while offset < bytes.count {
      let written = bytes.withUnsafeBytes {
        Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset)
      }
      if written < 0 {
        if errno == EINTR { continue }
        let code = errno
        close(fd)
        unlink(temporary)
        throw .system(operation: "write", path: path, errno: code)
      }
      offset += written
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
