import DistPosix

/// Dropping root (daemon.md §4), before any thread starts.
package enum PrivilegeDrop {
  /// The accounts tried, in order, when `--user` is not given: Debian's `distccd`, upstream's `distcc`,
  /// then `nobody`; if none exists, uid/gid 65534.
  package static let defaultUsers = ["distccd", "distcc", "nobody"]

  /// If the real or effective uid is 0, switches to `user` (or the first of ``defaultUsers`` that exists):
  /// `setgroups`, `setgid`, `setuid`, then `PR_SET_NO_NEW_PRIVS`. Does nothing when not root.
  /// - Returns: warnings to log (e.g. `no such user as "x"`).
  /// - Throws: ``ServerError/privilegeDropFailed(_:)`` if any step fails or root survives it.
  package static func dropIfRoot(user: String?) throws(ServerError) -> [String] {
    guard Credentials.isRoot else { return [] }
    var warnings: [String] = []
    var candidates = defaultUsers
    if let user {
      candidates = [user, "nobody"]
    }
    var uid: UInt32 = 65534
    var gid: UInt32 = 65534
    for name in candidates {
      if let account = Credentials.account(named: name) {
        uid = account.userID
        gid = account.groupID
        break
      }
      if name == user || (user == nil && name == "distccd") {
        warnings.append("no such user as \"\(name)\"")
      }
    }
    if uid == 0 {
      throw .privilegeDropFailed("refusing to run compile jobs as root (user maps to uid 0)")
    }
    try step("setgroups(\(gid))") { () throws(PosixError) in
      try Credentials.setSupplementaryGroups([gid])
    }
    try step("setgid(\(gid))") { () throws(PosixError) in try Credentials.setGroupID(gid) }
    try step("setuid(\(uid))") { () throws(PosixError) in try Credentials.setUserID(uid) }
    guard !Credentials.isRoot, (try? Credentials.setUserID(0)) == nil else {
      throw .privilegeDropFailed("still have root privileges after trying to discard them!")
    }
    try step("prctl(PR_SET_NO_NEW_PRIVS)") { () throws(PosixError) in
      try ProcessEnvironment.forbidNewPrivileges()
    }
    return warnings
  }

  /// Runs one step of the drop; a failure ends it with 3.4's message, `<call> failed: <reason>`.
  private static func step(_ call: String, _ body: () throws(PosixError) -> Void)
    throws(ServerError)
  {
    do { try body() } catch {
      throw .privilegeDropFailed("\(call) failed: \(error.errno?.message ?? error.description)")
    }
  }
}
