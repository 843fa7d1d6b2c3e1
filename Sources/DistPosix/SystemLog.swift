internal import Glibc

/// The system log (`syslog(3)`).
public enum SystemLog {
  /// Opens the log for `identity` with the process id in every line, as facility `LOG_DAEMON`.
  public static func openForDaemon(_ identity: StaticString) {
    openlog(
      UnsafeRawPointer(identity.utf8Start).assumingMemoryBound(to: CChar.self), LOG_PID, LOG_DAEMON)
  }

  /// Logs `text` as is (never as a format) at `priority` (0 emergency … 7 debug).
  public static func log(_ priority: Int32, _ text: String) {
    text.withCString { message in
      withVaList([message]) { vsyslog(priority, "%s", $0) }
    }
  }
}
