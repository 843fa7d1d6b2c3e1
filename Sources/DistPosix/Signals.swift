internal import Glibc

/// Signal numbers by name, their descriptions, and process-wide dispositions.
public enum Signals {
  public static let hangUp = SIGHUP
  public static let interrupt = SIGINT
  public static let kill = SIGKILL
  public static let pipe = SIGPIPE
  public static let alarm = SIGALRM
  public static let terminate = SIGTERM
  public static let child = SIGCHLD

  /// The C library's description of `signal` (`strsignal`), e.g. "Terminated".
  public static func description(of signal: Int32) -> String {
    guard let text = strsignal(signal) else { return "signal \(signal)" }
    return String(cString: text)
  }

  /// Ignores `signal` in the whole process (`SIG_IGN`); spawned children get the default back.
  public static func ignore(_ signal: Int32) {
    Glibc.signal(signal, SIG_IGN)
  }

  /// Blocks `signal` on the calling thread only (`pthread_sigmask`). For `SIGPIPE` on a thread of its own:
  /// a write to a closed connection then fails with `EPIPE` instead of killing the process, without touching
  /// the process's dispositions (the signal stays pending on the thread and goes with it; children start
  /// with an empty mask).
  public static func blockOnThisThread(_ signal: Int32) {
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, signal)
    pthread_sigmask(SIG_BLOCK, &set, nil)
  }

  /// Restores the default action of `signal` in the whole process (`SIG_DFL`).
  public static func restoreDefault(_ signal: Int32) {
    Glibc.signal(signal, SIG_DFL)
  }

  /// Whether process `pid` exists, by sending it signal 0 (`kill(pid, 0)`); one that exists but belongs to
  /// someone else (`EPERM`) counts.
  /// - Throws: `PosixError` for an answer other than "exists" or "no such process" (`ESRCH`).
  public static func processExists(_ pid: Int32) throws(PosixError) -> Bool {
    if Glibc.kill(pid, 0) == 0 { return true }
    switch currentErrno() {
    case .notPermitted: return true
    case .noSuchProcess: return false
    case let code: throw PosixError.system(operation: "kill \(pid), 0", errno: code)
    }
  }

  /// Sends `signal` to every process of the process group `group` (`kill(-group, signal)`).
  public static func sendToGroup(_ group: Int32, _ signal: Int32) {
    _ = Glibc.kill(-group, signal)
  }
}
