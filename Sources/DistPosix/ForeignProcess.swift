internal import CDistPosix
internal import Glibc
internal import SystemPackage

/// A process that is not this one's child (a daemon started by an earlier command), watched through a pidfd.
public enum ForeignProcess {
  /// Whether a process with this id exists (`kill(pid, 0)`).
  public static func exists(_ pid: Int32) -> Bool {
    pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)
  }

  /// Sends SIGTERM to `pid` and waits until it has gone, no later than `deadline`.
  /// - Returns: whether it is gone.
  public static func terminate(_ pid: Int32, deadline: Deadline) -> Bool {
    let fd = cdp_pidfd_open(pid)
    guard fd >= 0 else { return !exists(pid) }
    let descriptor = FileDescriptor(rawValue: fd)
    defer { descriptor.closeIgnoringErrors() }
    _ = cdp_pidfd_send_signal(fd, SIGTERM)
    // A child of ours stays a zombie until reaped; the pidfd is readable once it has exited either way.
    let events = (try? Poll.wait([(descriptor, .readable)], deadline: deadline)) ?? []
    return !(events.first ?? []).isEmpty
  }
}
