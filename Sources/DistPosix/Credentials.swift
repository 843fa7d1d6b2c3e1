internal import Glibc

/// The process's user and group ids, and the account database, for a daemon that drops root.
public enum Credentials {
  /// An account's user and group ids.
  public struct Account: Sendable, Equatable {
    public var userID: UInt32
    public var groupID: UInt32
  }

  /// The effective user id (`geteuid`).
  public static var effectiveUserID: UInt32 { geteuid() }

  /// Whether the real or the effective user id is 0.
  public static var isRoot: Bool { getuid() == 0 || geteuid() == 0 }

  /// The account called `name` (`getpwnam`), if there is one.
  public static func account(named name: String) -> Account? {
    guard let entry = getpwnam(name) else { return nil }
    return Account(userID: entry.pointee.pw_uid, groupID: entry.pointee.pw_gid)
  }

  /// Sets the supplementary groups to exactly `groups` (`setgroups`).
  public static func setSupplementaryGroups(_ groups: [UInt32]) throws(PosixError) {
    _ = try syscall("setgroups") {
      groups.withUnsafeBufferPointer { setgroups($0.count, $0.baseAddress) }
    }
  }

  /// Sets the real, effective and saved group ids (`setgid`).
  public static func setGroupID(_ gid: UInt32) throws(PosixError) {
    _ = try syscall("setgid \(gid)") { setgid(gid) }
  }

  /// Sets the real, effective and saved user ids (`setuid`).
  public static func setUserID(_ uid: UInt32) throws(PosixError) {
    _ = try syscall("setuid \(uid)") { setuid(uid) }
  }
}
