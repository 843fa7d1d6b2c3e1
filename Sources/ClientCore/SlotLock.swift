import DistPosix
internal import Glibc
import SystemPackage

/// A held slot: an open lock file with a POSIX record write lock over the whole file (`fcntl(F_SETLK)`,
/// client.md §6.2), the same lock 3.4's client takes, so ours and real distcc clients share slots.
///
/// The lock lasts while the descriptor is open; `release()` (or deinit) unlocks and closes it. Record locks
/// belong to the process, so an in-process table (`InProcessSlots`) also keeps two jobs of one process (a build
/// tool embedding `ClientCore`) off the same slot.
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
    // Another job of this process holds it: busy, and the file must not even be opened and closed here,
    // since closing any descriptor of the file would drop that job's lock.
    guard InProcessSlots.shared.claim(path) else { return nil }
    let fd = retryingOnInterrupt { open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o666) }
    guard fd >= 0 else {
      let code = errno
      InProcessSlots.shared.release(path)
      throw .system(operation: "open", path: path, errno: code)
    }
    do {
      if try RecordLock.tryLock(FileDescriptor(rawValue: fd)) {
        return SlotLock(descriptor: fd, path: path)
      }
      close(fd)
      InProcessSlots.shared.release(path)
      return nil
    } catch {
      close(fd)
      InProcessSlots.shared.release(path)
      throw .system(operation: "lock", path: path, errno: error.errno?.rawValue ?? EIO)
    }
  }

  /// Whether the lock is still held (not yet released).
  public var isHeld: Bool { descriptor >= 0 }

  /// Unlocks and closes the file.
  public func release() {
    guard descriptor >= 0 else { return }
    try? RecordLock.unlock(FileDescriptor(rawValue: descriptor))
    close(descriptor)
    descriptor = -1
    InProcessSlots.shared.release(path)
  }

  deinit { release() }
}
