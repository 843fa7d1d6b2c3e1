import DistPosix
import Glibc

/// An ordinary user made for one test with `useradd` (no home directory, no login shell) and removed with
/// `userdel` when released. Needs root.
public final class TemporaryUser: @unchecked Sendable {  // immutable after init
  /// The user's name, `dtNNNNNNNN`.
  public let name: String
  /// Its uid and primary gid.
  public let uid: UInt32
  public let gid: UInt32

  /// Creates a user with a fresh random name. `useradd` refuses while another one holds `/etc/passwd`'s
  /// lock (exit 10), so that is retried for a while.
  public init() throws {
    let candidate = "dt" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
    var result = try Self.useradd(candidate)
    for _ in 0..<50 where result.exitCode == 10 {
      usleep(100_000)
      result = try Self.useradd(candidate)
    }
    guard result.exitCode == 0, let entry = getpwnam(candidate) else {
      throw PosixError.system(operation: "useradd \(candidate): \(result.stderr)", errno: .ioError)
    }
    name = candidate
    uid = entry.pointee.pw_uid
    gid = entry.pointee.pw_gid
  }

  deinit {
    for _ in 0..<50 {
      guard let result = try? TestProcess.run(["userdel", name]), result.exitCode == 10 else {
        return
      }
      usleep(100_000)
    }
  }

  /// `arguments` prefixed so that they run as this user (`setpriv`, real and effective ids, no groups).
  public func command(_ arguments: [String]) -> [String] {
    ["/usr/bin/setpriv", "--reuid=\(uid)", "--regid=\(gid)", "--clear-groups", "--"] + arguments
  }

  /// Hands `path` and everything below it to this user (links themselves, not their targets).
  public func own(_ path: String) throws {
    let result = try TestProcess.run(["chown", "-R", "-h", "\(uid):\(gid)", path])
    guard result.exitCode == 0 else {
      throw PosixError.system(operation: "chown \(path): \(result.stderr)", errno: .ioError)
    }
  }

  private static func useradd(_ name: String) throws -> CommandResult {
    try TestProcess.run([
      "useradd", "--no-create-home", "--no-user-group", "--home-dir", "/nonexistent", "--shell",
      "/usr/sbin/nologin", name,
    ])
  }
}
