import DistPosix
public import DistState
import SystemPackage

/// Log lines worded and laid out as distcc 3.4's `rs_log` writes them:
/// `program[pid] (function) Warning: message`.
public struct MonitorLog: Sendable {
  /// How serious a line is.
  public enum Level: String, Sendable {
    case error = "ERROR: "
    case warning = "Warning: "
    case info = ""
  }

  /// The program name, e.g. `distccmon-text`.
  public var program: String
  /// The pid shown in brackets.
  public var pid: Int32

  /// A log for `program` running as `pid`.
  public init(program: String, pid: Int32) {
    self.program = program
    self.pid = pid
  }

  /// One line, with its newline.
  public func line(_ level: Level, function: String, _ message: String) -> String {
    "\(program)[\(pid)] (\(function)) \(level.rawValue)\(message)\n"
  }

  /// The line 3.4's monitor logs for an event of a scan (warnings at warning level, the rest as traces).
  public func line(for event: StateScanEvent) -> String {
    if case .warning(let warning) = event { return line(for: warning) }
    return line(.info, function: event.function, "\(event)")
  }

  /// The line 3.4's monitor logs for a warning of a scan.
  public func line(for warning: StateScanWarning) -> String {
    line(.warning, function: warning.function, "\(warning)")
  }

  /// The line 3.4's monitor logs when it cannot find, create or open the state directory.
  public func line(for error: DistStateError) -> String {
    switch error {
    case .homeNotSet:
      line(.warning, function: "dcc_get_top_dir", "\(error)")
    case .system(operation: "mkdir", let path, let errno):
      line(
        .error, function: "dcc_mkdir", "mkdir '\(path)' failed: \(Errno(rawValue: errno).message)")
    case .system(operation: "opendir", let path, let errno):
      line(
        .error, function: "dcc_mon_poll",
        "failed to opendir \(path): \(Errno(rawValue: errno).message)")
    default:
      line(.error, function: program, "\(error)")
    }
  }
}
