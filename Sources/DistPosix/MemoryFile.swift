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

  /// Seals `file` (one from ``create(name:)``) against any further change of its size or bytes, by anyone
  /// holding it: a ``MappedFile`` of it can then never fault past its end (`SIGBUS`) or change under a reader.
  public static func freeze(_ file: FileDescriptor) throws(PosixError) {
    _ = try syscall("seal memory file") { cdp_memfd_freeze(file.rawValue) }
  }
}
