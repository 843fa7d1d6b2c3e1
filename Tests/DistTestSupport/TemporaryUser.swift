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

  /// Creates a user with a fresh random name. `useradd` and `userdel` fail (exit 1 or 10) while another one
  /// holds the lock on `/etc/passwd`, as parallel tests do, so both are retried for a while.
  public init() throws {
    let candidate = "dt" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
    let result = try Self.retried([
      "useradd", "--no-create-home", "--no-user-group", "--home-dir", "/nonexistent", "--shell",
      "/usr/sbin/nologin", candidate,
    ])
    guard result.exitCode == 0, let entry = getpwnam(candidate) else {
      throw PosixError.system(operation: "useradd \(candidate): \(result.stderr)", errno: .ioError)
    }
    name = candidate
    uid = entry.pointee.pw_uid
    gid = entry.pointee.pw_gid
  }

  deinit { _ = try? Self.retried(["userdel", name]) }

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

  /// Runs a `shadow` tool until it stops failing on a held lock (exit 1 or 10), for at most 10 s.
  private static func retried(_ command: [String]) throws -> CommandResult {
    var result = try TestProcess.run(command)
    for _ in 0..<100 where [1, 10].contains(result.exitCode) {
      usleep(100_000)
      result = try TestProcess.run(command)
    }
    return result
  }
}
