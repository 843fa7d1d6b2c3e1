internal import Glibc
import HostSpec

/// Backoff files (client.md §7): `backoff_…_0` in the lock directory; a host is skipped while the file's mtime
/// is younger than the period. Marking writes one byte `x`; clearing unlinks the file.
struct Backoff: Sendable {
  /// The lock directory.
  var directory: String
  /// `DISTCC_BACKOFF_PERIOD` in seconds; 0 disables everything.
  var period: Int

  /// Whether `host` is currently backed off.
  func isBackedOff(_ host: HostEntry) -> Bool { secondsLeft(host) != nil }

  /// The seconds until `host`'s backoff ends, or nil if it is not backed off.
  func secondsLeft(_ host: HostEntry) -> Int? {
    guard period > 0, host.kind != .localhost else { return nil }
    var info = stat()
    guard stat(directory + "/" + host.backoffName, &info) == 0 else { return nil }
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    let left = period - (Int(now.tv_sec) - Int(info.st_mtim.tv_sec))
    return left > 0 ? left : nil
  }

  /// Marks `host` bad (`dcc_enjoyed_host`'s opposite, `dcc_disliked_host`).
  func mark(_ host: HostEntry) {
    guard period > 0, host.kind != .localhost else { return }
    let fd = open(directory + "/" + host.backoffName, O_WRONLY | O_CREAT | O_CLOEXEC, 0o666)
    guard fd >= 0 else { return }
    var byte = UInt8(ascii: "x")
    _ = pwrite(fd, &byte, 1, 0)
    // pwrite of the same byte may not change the mtime on every file system; set it explicitly.
    _ = futimens(fd, nil)
    close(fd)
  }

  /// Clears `host`'s backoff.
  func clear(_ host: HostEntry) {
    guard period > 0, host.kind != .localhost else { return }
    _ = unlink(directory + "/" + host.backoffName)
  }
}
