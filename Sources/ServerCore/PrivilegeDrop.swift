import Glibc

/// Dropping root (daemon.md §4), before any thread starts.
public enum PrivilegeDrop {
  /// The accounts tried, in order, when `--user` is not given: Debian's `distccd`, upstream's `distcc`,
  /// then `nobody`; if none exists, uid/gid 65534.
  public static let defaultUsers = ["distccd", "distcc", "nobody"]

  /// If the real or effective uid is 0, switches to `user` (or the first of ``defaultUsers`` that exists):
  /// `setgroups`, `setgid`, `setuid`, then `PR_SET_NO_NEW_PRIVS`. Does nothing when not root.
  /// - Returns: warnings to log (e.g. `no such user as "x"`).
  /// - Throws: ``ServerError/privilegeDropFailed(_:)`` if any step fails or root survives it.
  public static func dropIfRoot(user: String?) throws(ServerError) -> [String] {
    guard getuid() == 0 || geteuid() == 0 else { return [] }
    var warnings: [String] = []
    var candidates = defaultUsers
    if let user {
      candidates = [user, "nobody"]
    }
    var uid: uid_t = 65534
    var gid: gid_t = 65534
    for name in candidates {
      if let entry = getpwnam(name) {
        uid = entry.pointee.pw_uid
        gid = entry.pointee.pw_gid
        break
      }
      if name == user || (user == nil && name == "distccd") {
        warnings.append("no such user as \"\(name)\"")
      }
    }
    if uid == 0 {
      throw .privilegeDropFailed("refusing to run compile jobs as root (user maps to uid 0)")
    }
    var groups = [gid]
    guard setgroups(1, &groups) == 0 else {
      throw .privilegeDropFailed("setgroups(\(gid)) failed: \(Syscalls.errnoText())")
    }
    guard setgid(gid) == 0 else {
      throw .privilegeDropFailed("setgid(\(gid)) failed: \(Syscalls.errnoText())")
    }
    guard setuid(uid) == 0 else {
      throw .privilegeDropFailed("setuid(\(uid)) failed: \(Syscalls.errnoText())")
    }
    guard getuid() != 0, geteuid() != 0, setuid(0) != 0 else {
      throw .privilegeDropFailed("still have root privileges after trying to discard them!")
    }
    guard let prctl = PrivilegeDrop.prctl, prctl(38 /* PR_SET_NO_NEW_PRIVS */, 1, 0, 0, 0) == 0
    else {
      throw .privilegeDropFailed("prctl(PR_SET_NO_NEW_PRIVS) failed: \(Syscalls.errnoText())")
    }
    return warnings
  }

  private typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
  // prctl is variadic in C, so Swift does not import it.
  private static let prctl: Prctl? = dlsym(dlopen(nil, RTLD_NOW), "prctl").map {
    unsafeBitCast($0, to: Prctl.self)
  }
}
