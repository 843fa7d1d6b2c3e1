internal import CDistPosix
internal import Glibc
public import SystemPackage

/// `pipe2` with close-on-exec on both ends (the child gets an end only through `SpawnRequest`).
public enum Pipe {
  /// - Returns: the reading and the writing end.
  public static func make() throws(PosixError) -> (read: FileDescriptor, write: FileDescriptor) {
    var fds: [Int32] = [-1, -1]
    _ = try syscall("pipe") { cdp_pipe2(&fds, O_CLOEXEC) }
    return (FileDescriptor(rawValue: fds[0]), FileDescriptor(rawValue: fds[1]))
  }
}
