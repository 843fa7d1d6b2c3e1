internal import Glibc
public import SystemPackage

/// Whole-file open-file-description locks (Linux `F_OFD_SETLK`/`F_OFD_SETLKW`, since 3.15): shared (read)
/// or exclusive (write) locks owned by the open file description, not by the process.
///
/// Unlike `RecordLock`'s process-owned locks, two descriptors opened separately in one process exclude each
/// other, so threads of one program (a build tool embedding the client, or a test) serialise on them like
/// separate processes do; the lock lasts until the description's last descriptor is closed or `unlock` is
/// called. They conflict with `RecordLock`'s locks on the same file, so use them only on files 3.4 never
/// locks.
public enum OpenFileLock {
  /// What the lock allows others.
  public enum Kind: Sendable, Hashable {
    /// A read lock (`F_RDLCK`): any number of holders, no writer. Needs a descriptor open for reading.
    case shared
    /// A write lock (`F_WRLCK`): one holder, nobody else. Needs a descriptor open for writing.
    case exclusive

    fileprivate var type: Int32 { self == .shared ? F_RDLCK : F_WRLCK }
  }

  // From <bits/fcntl-linux.h>, which Swift's Glibc module does not export (they need _GNU_SOURCE); the same
  // numbers on every Linux architecture.
  private static let getCommand: Int32 = 36  // F_OFD_GETLK
  private static let setCommand: Int32 = 37  // F_OFD_SETLK
  private static let setWaitCommand: Int32 = 38  // F_OFD_SETLKW

  /// Takes the lock, waiting as long as another description holds a conflicting one.
  public static func lock(_ fd: FileDescriptor, _ kind: Kind) throws(PosixError) {
    try FcntlLock.set(fd, command: setWaitCommand, type: kind.type, operation: "fcntl F_OFD_SETLKW")
  }

  /// Tries to take the lock without waiting.
  ///
  /// - Returns: `true` if `fd`'s description now holds it, `false` if a conflicting lock is held elsewhere.
  public static func tryLock(_ fd: FileDescriptor, _ kind: Kind) throws(PosixError) -> Bool {
    try FcntlLock.trySet(fd, command: setCommand, type: kind.type, operation: "fcntl F_OFD_SETLK")
  }

  /// Releases the lock (closing the last descriptor of the description does too).
  public static func unlock(_ fd: FileDescriptor) throws(PosixError) {
    try FcntlLock.set(fd, command: setCommand, type: F_UNLCK, operation: "fcntl F_OFD_SETLK unlock")
  }

  /// Whether another description holds a lock that conflicts with `kind` (`F_OFD_GETLK`).
  public static func isHeldElsewhere(_ fd: FileDescriptor, _ kind: Kind) throws(PosixError) -> Bool
  {
    var lock = FcntlLock.wholeFile(type: kind.type)
    _ = try syscall("fcntl F_OFD_GETLK") { fcntl(fd.rawValue, getCommand, &lock) }
    return lock.l_type != Int16(F_UNLCK)
  }
}
