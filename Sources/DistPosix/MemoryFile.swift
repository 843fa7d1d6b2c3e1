internal import CDistPosix
public import SystemPackage

/// Anonymous files in memory (`memfd_create`, close-on-exec). They have no name in any directory, so nothing is
/// left behind however the process ends (a `SIGKILL` included); their pages go to a socket with
/// ``SystemPackage/FileDescriptor/sendFile(from:offset:count:deadline:operation:)`` or are read in place through
/// a ``MappedFile``.
public enum MemoryFile {
  /// A new, empty memory file. `name` only labels it in `/proc/PID/fd` (`/memfd:NAME`).
  public static func create(name: String) throws(PosixError) -> FileDescriptor {
    FileDescriptor(rawValue: try syscall("memfd_create \(name)") { cdp_memfd_create(name) })
  }
}
