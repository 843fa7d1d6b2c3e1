internal import Glibc
import SSHTransport

/// Which SSH destinations need OpenSSH's client (`SSHError.needsOpenSSH`): a file per destination beside its
/// broker socket (`broker-HASH.openssh`, holding the reason), trusted for ``period`` seconds after it was
/// written, so later jobs go to `ssh` at once instead of failing in process first.
enum OpenSSHMemory {
  static let period = 600

  static func isFresh(_ place: SSHBrokerPlace) -> Bool {
    var info = stat()
    guard lstat(place.openSSHPath, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
      return false
    }
    return time(nil) - info.st_mtim.tv_sec < period
  }

  static func record(_ place: SSHBrokerPlace, reason: String) {
    let fd = open(place.openSSHPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
    guard fd >= 0 else { return }
    _ = (reason + "\n").utf8CString.withUnsafeBufferPointer {
      write(fd, $0.baseAddress, $0.count - 1)
    }
    close(fd)
  }
}
