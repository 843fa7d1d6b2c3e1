internal import Glibc

/// One client's state file, `$DISTCC_DIR/state/binstate_<pid>`, with 3.4's name, 296-byte record, mode
/// (0666 & ~umask) and lifetime: written at each phase change, removed when the client exits (a missing
/// file is not an error then).
///
/// Unlike 3.4 (`state.c`), which reopens the file with `O_TRUNC` at every phase, `StateRecorder` keeps it
/// open and overwrites the record in place with one `pwrite` at offset 0: the record's size never changes,
/// so there is nothing to truncate. On ext4 mounted with `discard` each truncation freed the file's block
/// with a synchronous discard: 6-7% of the client's CPU per job (`perf` on serial jobs against one daemon).
/// Monitors read the file as before, and see it empty only between its creation and the first write.
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

  /// Writes `record` as the file's contents: opens (creating) the file, writes the 296 bytes at offset 0
  /// and closes it. A recorder keeps the file open instead (`StateRecorder`).
  /// - Throws: `DistStateError.system` naming `mkdir`, `open`, `ftruncate` or `write` and the path.
  public func write(_ record: StateRecord) throws(DistStateError) {
    try Writer(self).write(record)
  }

  /// Deletes the file; a file that was never written is fine.
  /// - Throws: `DistStateError.system(operation: "unlink", …)` for errors other than `ENOENT`.
  public func remove() throws(DistStateError) {
    if unlink(path) != 0 && errno != ENOENT {
      throw .system(operation: "unlink", path: path, errno: errno)
    }
  }

  /// The file, open for writing until the last reference goes (a class so that copies of a recorder share
  /// one descriptor, closed once).
  final class Writer: Sendable {
    let path: String
    private let descriptor: Int32

    /// Opens `file` with `O_CREAT` (mode 0666 & ~umask), creating the state directory on demand. A stale
    /// file of the same name longer than a record (another process's leftover) is cut to 296 bytes.
    init(_ file: StateFile) throws(DistStateError) {
      path = file.path
      var descriptor = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o666)
      if descriptor < 0 && errno == ENOENT {
        try file.directory.create()
        descriptor = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o666)
      }
      guard descriptor >= 0 else { throw .system(operation: "open", path: path, errno: errno) }
      var info = stat()
      if fstat(descriptor, &info) == 0, info.st_size > StateRecord.size,
        ftruncate(descriptor, off_t(StateRecord.size)) != 0
      {
        let code = errno
        close(descriptor)
        throw .system(operation: "ftruncate", path: path, errno: code)
      }
      self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Whether the file was deleted under the open descriptor (another job of this process ended and
    /// removed `binstate_<pid>`): writes would then go to a file no monitor sees.
    var isUnlinked: Bool {
      var info = stat()
      return fstat(descriptor, &info) == 0 && info.st_nlink == 0
    }

    /// Overwrites the record in place: one `pwrite` of 296 bytes at offset 0.
    func write(_ record: StateRecord) throws(DistStateError) {
      let bytes = record.encode()
      var written = 0
      while written < bytes.count {
        let result = bytes.withUnsafeBytes { buffer in
          pwrite(descriptor, buffer.baseAddress! + written, buffer.count - written, off_t(written))
        }
        if result < 0 {
          if errno == EINTR { continue }
          throw .system(operation: "write", path: path, errno: errno)
        }
        written += result
      }
    }
  }
}
