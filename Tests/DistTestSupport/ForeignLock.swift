import DistPosix
import Glibc
import SystemPackage

/// A slot lock file held as another process would hold it: an open-file-description lock, which conflicts
/// with the clients' `fcntl` record locks (3.4's kind) but is not this test process's own record lock.
/// Released when the value is.
public final class ForeignLock {
  private let descriptor: FileDescriptor

  /// Creates `path` if needed and locks it; fails if anyone holds it already.
  public init(_ path: String) throws {
    descriptor = try FileDescriptor.open(
      FilePath(path), .writeOnly, options: [.create, .closeOnExec], permissions: .ownerReadWrite)
    guard try OpenFileLock.tryLock(descriptor, .exclusive) else {
      descriptor.closeIgnoringErrors()
      throw PosixError.system(
        operation: "lock \(path): held elsewhere", errno: .resourceTemporarilyUnavailable)
    }
  }

  deinit { descriptor.closeIgnoringErrors() }
}
