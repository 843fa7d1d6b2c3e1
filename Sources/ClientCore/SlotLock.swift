import DistPosix
internal import Glibc
import SystemPackage

/// A held slot: an open lock file with a POSIX record write lock over the whole file (`fcntl(F_SETLK)`,
/// client.md §6.2), the same lock 3.4's client takes, so ours and real distcc clients share slots.
///
/// The lock lasts while the descriptor is open; `release()` (or deinit) unlocks and closes it. Record locks
/// belong to the process: two `SlotLock`s of one process on the same file do not exclude each other, so an
/// embedder running many jobs in one process must keep its own table too (see `HostChooser`).
public final class SlotLock: @unchecked Sendable {
  // @unchecked: `descriptor` is only changed by `release()`, which callers run from the owning job only.
  private var descriptor: Int32
  /// The lock file's path.
  public let path: String

  private init(descriptor: Int32, path: String) {
    self.descriptor = descriptor
    self.path = path
  }

  /// Tries to lock `path` without waiting. `nil` when another process holds it.
  /// - Throws: `ClientError.system` when the file cannot be opened or locked for another reason.
  static func tryLock(_ path: String) throws(ClientError) -> SlotLock? {
    let fd = retryingOnInterrupt { open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o666) }
    guard fd >= 0 else { throw .system(operation: "open", path: path, errno: errno) }
    do {
      if try RecordLock.tryLock(FileDescriptor(rawValue: fd)) {
        return SlotLock(descriptor: fd, path: path)
      }
      close(fd)
      return nil
    } catch {
      close(fd)
      throw .system(operation: "lock", path: path, errno: error.errno?.rawValue ?? EIO)
    }
  }

  /// Unlocks and closes the file.
  public func release() {
    guard descriptor >= 0 else { return }
    try? RecordLock.unlock(FileDescriptor(rawValue: descriptor))
    close(descriptor)
    descriptor = -1
  }

  deinit { release() }
}
