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
    try FcntlLock.trySet(fd, command: F_SETLK, type: F_WRLCK, operation: "fcntl F_SETLK")
  }

  /// Takes the lock, waiting as long as another process holds it.
  public static func lock(_ fd: FileDescriptor) throws(PosixError) {
    try FcntlLock.set(fd, command: F_SETLKW, type: F_WRLCK, operation: "fcntl F_SETLKW")
  }

  /// Takes a shared (read) lock, waiting while another process holds the write lock.
  public static func lockForReading(_ fd: FileDescriptor) throws(PosixError) {
    try FcntlLock.set(fd, command: F_SETLKW, type: F_RDLCK, operation: "fcntl F_SETLKW read")
  }

  /// Releases the lock.
  public static func unlock(_ fd: FileDescriptor) throws(PosixError) {
    try FcntlLock.set(fd, command: F_SETLK, type: F_UNLCK, operation: "fcntl F_SETLK unlock")
  }

  /// The pid of a process holding a conflicting lock, or nil if the file is free.
  public static func holder(_ fd: FileDescriptor) throws(PosixError) -> Int32? {
    var lock = FcntlLock.wholeFile(type: F_WRLCK)
    _ = try syscall("fcntl F_GETLK") { fcntl(fd.rawValue, F_GETLK, &lock) }
    return lock.l_type == F_UNLCK ? nil : lock.l_pid
  }
}
