internal import CDistPosix
internal import Glibc
public import SystemPackage

/// A detached helper process forked from this one (no `exec`), as distcc 3.4 forks its zeroconf browser.
public enum DetachedFork {
  /// Forks a grandchild in a new session with stdin, stdout and stderr on `/dev/null`, `/` as working
  /// directory and every descriptor but `keeping` closed, runs `body` there and exits it with status 0.
  /// Returns in the caller once the intermediate child is reaped. Call only while this process runs one
  /// thread: the child copies nothing else.
  public static func run(keeping: FileDescriptor?, _ body: () -> Void) throws(PosixError) {
    let result = try syscall("fork") { cdp_fork_detached(keeping?.rawValue ?? -1) }
    guard result == 0 else { return }
    body()
    _exit(0)
  }
}
