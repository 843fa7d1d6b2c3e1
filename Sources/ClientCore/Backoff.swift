import DistPosix
import HostSpec
import SystemPackage

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
    guard let status = try? FileStatus(directory + "/" + host.backoffName) else { return nil }
    let left = period - (WallClock.seconds - status.modificationSeconds)
    return left > 0 ? left : nil
  }

  /// Marks `host` bad (`dcc_enjoyed_host`'s opposite, `dcc_disliked_host`).
  func mark(_ host: HostEntry) {
    guard period > 0, host.kind != .localhost else { return }
    guard
      let fd = try? FileDescriptor.open(
        directory + "/" + host.backoffName, .writeOnly, options: .create,
        permissions: [.ownerReadWrite, .groupReadWrite, .otherReadWrite])
    else { return }
    defer { fd.closeIgnoringErrors() }
    _ = try? fd.writeAll([UInt8(ascii: "x")], atOffset: 0)
    // Writing the same byte may not change the mtime on every file system; set it explicitly.
    try? fd.touch()
  }

  /// Clears `host`'s backoff.
  func clear(_ host: HostEntry) {
    guard period > 0, host.kind != .localhost else { return }
    try? Paths.remove(directory + "/" + host.backoffName)
  }
}
