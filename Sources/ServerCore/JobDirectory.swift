import Glibc
import Synchronization
import SystemPackage

/// A job's private directory `$TMPDIR/distccd_XXXXXX`: the temp files of one job, and for protocol 3 the
/// fake root `root/` the client's files are mirrored into. Removed whole when the job ends.
final class JobDirectory: Sendable {
  let path: String
  let keep: Bool
  /// The names handed out by ``file(_:)``: what the job normally leaves behind.
  private let names = Mutex<[String]>([])
  /// The directory itself, opened at creation: removal unlinks through it, so a compiler that renamed the
  /// directory and left a symbolic link in its place (possible without Landlock) cannot redirect it.
  private let descriptor: Int32

  init(in temporaryDirectory: String, keep: Bool) throws(IOFailure) {
    var template = Array("\(temporaryDirectory)/distccd_XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else {
      throw .system("mkdtemp in \(temporaryDirectory)", Errno(rawValue: errno))
    }
    path = String(cString: made)
    self.keep = keep
    descriptor = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    guard descriptor >= 0 else {
      let code = errno
      rmdir(path)
      throw .system("open \(path)", Errno(rawValue: code))
    }
  }

  deinit { close(descriptor) }

  func file(_ name: String) -> String {
    names.withLock { if !$0.contains(name) { $0.append(name) } }
    return "\(path)/\(name)"
  }

  /// Writes `bytes` to a new file `name` in this directory.
  func write(_ name: String, _ bytes: [UInt8]) throws(IOFailure) {
    let fd = open(file(name), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw .system("create \(file(name))", Errno(rawValue: errno)) }
    defer { close(fd) }
    try JobDirectory.writeAll(fd, bytes, what: file(name))
  }

  static func writeAll(_ fd: Int32, _ bytes: [UInt8], what: String) throws(IOFailure) {
    var offset = 0
    while offset < bytes.count {
      let wrote = bytes.withUnsafeBytes {
        Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset)
      }
      if wrote < 0 {
        if errno == EINTR { continue }
        throw .system("write \(what)", Errno(rawValue: errno))
      }
      offset += wrote
    }
  }

  /// Removes the directory and everything in it (unless `DISTCC_SAVE_TEMPS`).
  func remove() {
    guard !keep else { return }
    // The usual case, without reading the directory: the files the job named, then the directory. Anything
    // else (a compiler's leftovers, a protocol-3 root) leaves it non-empty: then the whole tree goes.
    for name in names.withLock({ $0 }) { unlinkat(descriptor, name, 0) }
    if rmdir(path) != 0 && errno != ENOENT { JobDirectory.removeTree(path) }
  }

  /// Removes `path` recursively without following symbolic links.
  static func removeTree(_ path: String) {
    let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    if fd >= 0 {
      removeContents(of: fd)
      close(fd)
      rmdir(path)
    } else {
      unlink(path)
    }
  }

  private static func removeContents(of directory: Int32) {
    let copy = dup(directory)
    guard copy >= 0, let stream = fdopendir(copy) else { return }
    defer { closedir(stream) }
    var names: [String] = []
    while let entry = readdir(stream) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) {
        String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
      }
      if name != "." && name != ".." { names.append(name) }
    }
    for name in names {
      if unlinkat(directory, name, 0) == 0 { continue }
      let child = openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
      if child >= 0 {
        removeContents(of: child)
        close(child)
      }
      unlinkat(directory, name, AT_REMOVEDIR)
    }
  }
}
