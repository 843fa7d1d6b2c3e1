import DistPosix
import Glibc
import SystemPackage

/// A slot lock file held as another process would hold it: an open-file-description lock, which conflicts
/// with the clients' `fcntl` record locks (3.4's kind) but is not this test process's own record lock.
/// Released when the value is.
public final class ForeignLock {
  private let descriptor: FileDescriptor
  private let path: FilePath

  /// Creates `path` if needed and locks it; fails if anyone holds it already.
  public init(_ path: String) throws {
    self.path = FilePath(path)
    descriptor = try FileDescriptor.open(
      FilePath(path), .writeOnly, options: [.create, .closeOnExec], permissions: .ownerReadWrite)
    guard try OpenFileLock.tryLock(descriptor, .exclusive) else {
      descriptor.closeIgnoringErrors()
      throw PosixError.system(
        operation: "lock \(path): held elsewhere", errno: .resourceTemporarilyUnavailable)
    }
  }

  /// Closes the file and waits (10 s at most) until no one holds the lock: a child that another test forked
  /// in this process keeps a copy of the descriptor, and with it the lock, until it execs.
  deinit {
    descriptor.closeIgnoringErrors()
    guard let probe = try? FileDescriptor.open(path, .readOnly, options: [.closeOnExec]) else {
      return
    }
    defer { probe.closeIgnoringErrors() }
    _ = Wait.until { (try? OpenFileLock.isHeldElsewhere(probe, .exclusive)) != true }
  }
}
