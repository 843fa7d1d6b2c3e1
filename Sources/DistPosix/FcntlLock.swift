internal import Glibc
import SystemPackage

/// What `RecordLock` and `OpenFileLock` share: a whole-file `fcntl` lock request and the non-blocking
/// attempt to take one. The two differ only in their commands (`F_SETLK` vs `F_OFD_SETLK`) and owners.
enum FcntlLock {
  /// A lock of `type` (`F_RDLCK`, `F_WRLCK`, `F_UNLCK`) from offset 0 to the end of the file, however long
  /// it grows; `l_pid` 0, as OFD locks require.
  static func wholeFile(type: Int32) -> flock {
    var lock = flock()
    lock.l_type = Int16(type)
    lock.l_whence = Int16(SEEK_SET)
    lock.l_start = 0
    lock.l_len = 0
    lock.l_pid = 0
    return lock
  }

  /// Tries `command` (a non-waiting set) for a whole-file lock of `type`, retrying on `EINTR`.
  ///
  /// - Returns: `true` if the lock is now held, `false` if a conflicting one is held elsewhere.
  static func trySet(_ fd: FileDescriptor, command: Int32, type: Int32, operation: String)
    throws(PosixError) -> Bool
  {
    var lock = wholeFile(type: type)
    while true {
      if fcntl(fd.rawValue, command, &lock) == 0 { return true }
      let code = currentErrno()
      switch code {
      case .interrupted: continue
      case .wouldBlock, .permissionDenied: return false
      default: throw PosixError.system(operation: operation, errno: code)
      }
    }
  }

  /// Runs `command` (a waiting set, or an unlock) for a whole-file lock of `type`, retrying on `EINTR`.
  static func set(_ fd: FileDescriptor, command: Int32, type: Int32, operation: String)
    throws(PosixError)
  {
    var lock = wholeFile(type: type)
    _ = try syscall(operation) { fcntl(fd.rawValue, command, &lock) }
  }
}
