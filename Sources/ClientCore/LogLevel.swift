/// Severity of a log line, in 3.4's order (rs_log levels).
public enum LogLevel: Int, Sendable, Comparable {
  case emergency = 0
  case alert, critical, error, warning, notice, info, debug

  /// The text 3.4 puts before the message (`ERROR: `, `Warning: `, …).
  var prefix: String {
    switch self {
    case .emergency: "EMERGENCY! "
    case .alert: "ALERT! "
    case .critical: "CRITICAL! "
    case .error: "ERROR: "
    case .warning: "Warning: "
    case .notice, .info, .debug: ""
    }
  }

  /// More severe levels are smaller, as in 3.4.
  public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}
