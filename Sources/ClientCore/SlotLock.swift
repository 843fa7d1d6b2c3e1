import DistPosix
import SystemPackage

/// A held slot: an open lock file with a POSIX record write lock over the whole file (`fcntl(F_SETLK)`,
/// client.md §6.2), the same lock 3.4's client takes, so ours and real distcc clients share slots.
///
/// The lock lasts while the descriptor is open; `release()` (or deinit) unlocks and closes it. Record locks
/// belong to the process, so an in-process table (`InProcessSlots`) also keeps two jobs of one process (a build
/// tool embedding `ClientCore`) off the same slot.
public final class SlotLock: @unchecked Sendable {
  // @unchecked: `descriptor` is only changed by `release()`, which callers run from the owning job only.
  private var descriptor: FileDescriptor?
  /// The lock file's path.
  public let path: String

  private init(descriptor: FileDescriptor, path: String) {
    self.descriptor = descriptor
    self.path = path
  }

  /// Tries to lock `path` without waiting. `nil` when another process holds it.
  /// - Throws: `ClientError.system` when the file cannot be opened or locked for another reason.
  static func tryLock(_ path: String) throws(ClientError) -> SlotLock? {
    // Another job of this process holds it: busy, and the file must not even be opened and closed here,
    // since closing any descriptor of the file would drop that job's lock.
    guard InProcessSlots.shared.claim(path) else { return nil }
    let fd: FileDescriptor
    do throws(PosixError) {
      fd = try FileDescriptor.open(
        path, .writeOnly, options: .create,
        permissions: [.ownerReadWrite, .groupReadWrite, .otherReadWrite])
    } catch {
      InProcessSlots.shared.release(path)
      throw .system(operation: "open", path: path, errno: (error.errno ?? .ioError).rawValue)
    }
    do throws(PosixError) {
      if try RecordLock.tryLock(fd) {
        return SlotLock(descriptor: fd, path: path)
      }
      fd.closeIgnoringErrors()
      InProcessSlots.shared.release(path)
      return nil
    } catch {
      fd.closeIgnoringErrors()
      InProcessSlots.shared.release(path)
      throw .system(operation: "lock", path: path, errno: (error.errno ?? .ioError).rawValue)
    }
  }

  /// Whether the lock is still held (not yet released).
  public var isHeld: Bool { descriptor != nil }

  /// Unlocks and closes the file.
  public func release() {
    guard let descriptor else { return }
    try? RecordLock.unlock(descriptor)
    descriptor.closeIgnoringErrors()
    self.descriptor = nil
    InProcessSlots.shared.release(path)
  }

  deinit { release() }
}
