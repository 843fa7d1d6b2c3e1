internal import CDistPosix
internal import Glibc

/// This process's environment, read once by an executable and handed down as a value.
///
/// Libraries never call `getenv`: a build tool embedding them may run two configurations in one process.
public enum ProcessEnvironment {
  /// Every `KEY=VALUE` of `environ`, as a dictionary (the first of duplicate keys wins, as `getenv` does).
  public static func current() -> [String: String] {
    var result: [String: String] = [:]
    var pointer = environ
    while let entry = pointer.pointee {
      let text = String(cString: entry)
      if let equals = text.firstIndex(of: "=") {
        let key = String(text[..<equals])
        if result[key] == nil { result[key] = String(text[text.index(after: equals)...]) }
      }
      pointer += 1
    }
    return result
  }

  /// Sets `PR_SET_NO_NEW_PRIVS`: no program this process starts can gain privileges (setuid bits,
  /// file capabilities).
  public static func forbidNewPrivileges() throws(PosixError) {
    _ = try syscall("prctl PR_SET_NO_NEW_PRIVS") { cdp_set_no_new_privs() }
  }
}
