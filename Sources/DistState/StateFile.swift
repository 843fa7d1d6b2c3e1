import DistPosix
import SystemPackage

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
    do throws(PosixError) { try Paths.remove(path) } catch
      where error.errno != .noSuchFileOrDirectory
    {
      throw .system(operation: "unlink", path: path, errno: error.errno?.rawValue ?? 0)
    } catch {}
  }

  /// The file, open for writing until the last reference goes (a class so that copies of a recorder share
  /// one descriptor, closed once).
  final class Writer: Sendable {
    let path: String
    private let descriptor: FileDescriptor

    /// Opens `file` with `O_CREAT` (mode 0666 & ~umask), creating the state directory on demand. A stale
    /// file of the same name longer than a record (another process's leftover) is cut to 296 bytes.
    init(_ file: StateFile) throws(DistStateError) {
      path = file.path
      var opened = Self.open(path)
      if case .failure(.noSuchFileOrDirectory) = opened {
        try file.directory.create()
        opened = Self.open(path)
      }
      let descriptor: FileDescriptor
      switch opened {
      case .success(let fd): descriptor = fd
      case .failure(let code): throw .system(operation: "open", path: path, errno: code.rawValue)
      }
      if let size = (try? FileStatus(descriptor))?.size, size > StateRecord.size {
        do { try descriptor.resize(to: Int64(StateRecord.size)) } catch {
          descriptor.closeIgnoringErrors()
          throw .system(
            operation: "ftruncate", path: path, errno: (error as? Errno ?? .ioError).rawValue)
        }
      }
      self.descriptor = descriptor
    }

    deinit { descriptor.closeIgnoringErrors() }

    /// Opens (creating, mode 0666 & ~umask) the file for writing.
    private static func open(_ path: String) -> Result<FileDescriptor, Errno> {
      do throws(PosixError) {
        return .success(
          try FileDescriptor.open(
            path, .writeOnly, options: .create, permissions: .init(rawValue: 0o666)))
      } catch {
        return .failure(error.errno ?? .ioError)
      }
    }

    /// Whether the file was deleted under the open descriptor (another job of this process ended and
    /// removed `binstate_<pid>`): writes would then go to a file no monitor sees.
    var isUnlinked: Bool { (try? FileStatus(descriptor))?.linkCount == 0 }

    /// Overwrites the record in place: one `pwrite` of 296 bytes at offset 0.
    func write(_ record: StateRecord) throws(DistStateError) {
      do throws(PosixError) { try descriptor.writeAll(record.encode(), atOffset: 0) } catch {
        throw .system(operation: "write", path: path, errno: (error.errno ?? .ioError).rawValue)
      }
    }
  }
}
