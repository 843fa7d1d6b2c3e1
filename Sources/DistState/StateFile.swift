internal import Glibc

/// One client's state file, `$DISTCC_DIR/state/binstate_<pid>`, written and removed as 3.4 does
/// (`state.c`): each write truncates the file and writes the whole record with one `write`, so a reader
/// may briefly see it empty or short (3.4's monitors skip such files); the file is removed when the
/// client exits, and a missing file is not an error then.
public struct StateFile: Sendable, Hashable {
  /// Every state file's name starts with this; monitors consider only such names.
  public static let namePrefix = "binstate_"

  /// The directory holding the file.
  public var directory: StateDirectory
  /// The pid in the file's name.
  public var pid: Int32

  /// The file of process `pid` in `directory`.
  public init(directory: StateDirectory, pid: Int32) {
    self.directory = directory
    self.pid = pid
  }

  /// The file's path.
  public var path: String { directory.filePath(pid: pid) }

  /// Replaces the file's contents with `record` (`open(O_CREAT|O_WRONLY|O_TRUNC)`, mode 0666 & ~umask,
  /// one `write`). The state directory is created on demand.
  /// - Throws: `DistStateError.system` naming `open` or `write` and the path.
  public func write(_ record: StateRecord) throws(DistStateError) {
    let path = self.path
    var descriptor = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0o666)
    if descriptor < 0 && errno == ENOENT {
      try directory.create()
      descriptor = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0o666)
    }
    guard descriptor >= 0 else { throw .system(operation: "open", path: path, errno: errno) }
    defer { close(descriptor) }
    let bytes = record.encode()
    var written = 0
    while written < bytes.count {
      let result = bytes.withUnsafeBytes { buffer in
        Glibc.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
      }
      if result < 0 {
        if errno == EINTR { continue }
        throw .system(operation: "write", path: path, errno: errno)
      }
      written += result
    }
  }

  /// Deletes the file; a file that was never written is fine.
  /// - Throws: `DistStateError.system(operation: "unlink", …)` for errors other than `ENOENT`.
  public func remove() throws(DistStateError) {
    if unlink(path) != 0 && errno != ENOENT {
      throw .system(operation: "unlink", path: path, errno: errno)
    }
  }
}
