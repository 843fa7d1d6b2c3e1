import DistPosix
import SSHTransport

/// Which SSH destinations need OpenSSH's client (`SSHError.needsOpenSSH`): a file per destination beside its
/// broker socket (`broker-HASH.openssh`, holding the reason), trusted for ``period`` seconds after it was
/// written, so later jobs go to `ssh` at once instead of failing in process first.
enum OpenSSHMemory {
  static let period = 600

  static func isFresh(_ place: SSHBrokerPlace) -> Bool {
    guard let status = try? FileStatus.of(place.openSSHPath, followingLinks: false),
      status.kind == .regular
    else { return false }
    return WallClock.seconds - status.modificationSeconds < period
  }

  /// Best effort: a directory that cannot take the file costs the next job one more in-process attempt.
  static func record(_ place: SSHBrokerPlace, reason: String) {
    try? FileContents.writeAtomically(
      Array((reason + "\n").utf8), to: place.openSSHPath, mode: 0o600)
  }
}
