import DistPosix
import SystemPackage

/// One thing a scan did, in order, as 3.4's monitor logs it: trace lines (shown with `DISTCC_VERBOSE=1`)
/// and warnings.
public enum StateScanEvent: Sendable, Hashable, CustomStringConvertible {
  /// A `binstate_*` file is about to be read.
  case processing(path: String)
  /// The file vanished before it could be opened.
  case vanished(path: String)
  /// A stale file is about to be deleted.
  case removingStale(path: String)
  /// The file was shorter than a record (the client is rewriting it).
  case shortRead(path: String)
  /// `read` failed.
  case readFailed(path: String, errno: Int32)
  /// A warning (also listed in `StateScan.warnings`).
  case warning(StateScanWarning)

  /// Whether 3.4 logs this at warning level (always shown) rather than as a trace.
  public var isWarning: Bool {
    if case .warning = self { return true }
    return false
  }

  /// The 3.4 function that logs it.
  public var function: String {
    switch self {
    case .processing, .vanished: "dcc_mon_do_file"
    case .removingStale: "dcc_mon_kill_old"
    case .shortRead, .readFailed: "dcc_mon_read_state"
    case .warning(let warning): warning.function
    }
  }

  /// The message, worded as 3.4 words it.
  public var description: String {
    switch self {
    case .processing(let path): "process \(path)"
    case .vanished(let path): "\(path) disappeared"
    case .removingStale(let path): "unlink \(path)"
    case .shortRead(let path): "short read getting state from \(path)"
    case .readFailed(let path, let errno):
      "failed to read state from \(path): \(Errno(rawValue: errno).message)"
    case .warning(let warning): warning.description
    }
  }
}
