internal import Glibc
public import SystemPackage

/// Whole-file `fcntl` write locks, the kind distcc 3.4 takes on its slot lock files (`client.md` §6.2).
///
/// These are POSIX record locks (`F_SETLK`/`F_SETLKW`, `F_WRLCK`, from offset 0 to the end of the file), not
/// `flock(2)`: on Linux the two kinds ignore each other, and only this kind is shared with a real distcc
/// client running beside ours. Record locks belong to the process; closing *any* descriptor of the file in
/// the process releases them.
public enum RecordLock {
  /// Tries to take the lock without waiting.
  ///
  /// - Returns: `true` if this process now holds it, `false` if another process does.
  public static func tryLock(_ fd: FileDescriptor) throws(PosixError) -> Bool {
    var lock = wholeFile(type: F_WRLCK)
    while true {
      if fcntl(fd.rawValue, F_SETLK, &lock) == 0 { return true }
      let code = currentErrno()
      switch code {
      case .interrupted: continue
      case .wouldBlock, .permissionDenied: return false
      default: throw PosixError.system(operation: "fcntl F_SETLK", errno: code)
      }
    }
  }

  /// Takes the lock, waiting as long as another process holds it.
  public static func lock(_ fd: FileDescriptor) throws(PosixError) {
    var lock = wholeFile(type: F_WRLCK)
    _ = try syscall("fcntl F_SETLKW") { fcntl(fd.rawValue, F_SETLKW, &lock) }
  }

  /// Releases the lock.
  public static func unlock(_ fd: FileDescriptor) throws(PosixError) {
    var lock = wholeFile(type: F_UNLCK)
    _ = try syscall("fcntl F_SETLK unlock") { fcntl(fd.rawValue, F_SETLK, &lock) }
  }

  /// The pid of a process holding a conflicting lock, or nil if the file is free.
  public static func holder(_ fd: FileDescriptor) throws(PosixError) -> Int32? {
    var lock = wholeFile(type: F_WRLCK)
    _ = try syscall("fcntl F_GETLK") { fcntl(fd.rawValue, F_GETLK, &lock) }
    return lock.l_type == F_UNLCK ? nil : lock.l_pid
  }

  private static func wholeFile(type: Int32) -> flock {
    var lock = flock()
    lock.l_type = Int16(type)
    lock.l_whence = Int16(SEEK_SET)
    lock.l_start = 0
    lock.l_len = 0
    return lock
  }
}
