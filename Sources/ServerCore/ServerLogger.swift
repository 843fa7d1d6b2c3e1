import DistPosix
import SystemPackage

/// Where and how much the daemon logs, in 3.4's line format (daemon.md §11):
/// `distccd[PID] (function) PREFIX message`, with `CRITICAL! `, `ERROR: ` or `Warning: ` prefixes.
public struct ServerLogger: Sendable {
  /// Severity, most severe first (syslog order).
  public enum Level: Int, Sendable, Comparable, CaseIterable {
    case emergency, alert, critical, error, warning, notice, info, debug

    /// Parses a `--log-level` word as 3.4 does (`err`/`error`, `warn`/`warning`, `note`/`notice`, …).
    public init?(name: String) {
      switch name {
      case "emerg", "emergency": self = .emergency
      case "alert": self = .alert
      case "crit", "critical": self = .critical
      case "err", "error": self = .error
      case "warn", "warning": self = .warning
      case "note", "notice": self = .notice
      case "info": self = .info
      case "debug": self = .debug
      default: return nil
      }
    }

    /// More severe levels are smaller.
    public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }

    var prefix: String {
      switch self {
      case .emergency, .alert, .critical: "CRITICAL! "
      case .error: "ERROR: "
      case .warning: "Warning: "
      default: ""
      }
    }
  }

  /// Where lines go.
  public enum Destination: Sendable, Equatable {
    case standardError
    /// An open, append-mode descriptor (`--log-file`).
    case file(descriptor: Int32)
    /// syslog, ident `distccd`, `LOG_PID`, `LOG_DAEMON`.
    case syslog
    /// Nowhere (tests, embedding).
    case none
  }

  /// Where lines go.
  public var destination: Destination
  /// The most verbose level written.
  public var level: Level

  /// A logger writing lines up to `level` to `destination`.
  public init(destination: Destination = .standardError, level: Level = .notice) {
    self.destination = destination
    self.level = level
    if destination == .syslog { SystemLog.openForDaemon("distccd") }
  }

  /// Whether a message at `level` would be written.
  public func isEnabled(_ level: Level) -> Bool { level <= self.level && destination != .none }

  /// Writes one line at `level`, tagged with the 3.4 function name when given.
  public func log(_ level: Level, _ message: @autoclosure () -> String, function: String? = nil) {
    guard isEnabled(level) else { return }
    let text = message()
    let tag = function.map { "(\($0)) " } ?? ""
    switch destination {
    case .none: return
    case .syslog:
      let priority: Int32 = Int32(level.rawValue)
      SystemLog.log(priority, "\(tag)\(level.prefix)\(text)")
    case .standardError, .file:
      let fd: Int32 = if case .file(let descriptor) = destination { descriptor } else { 2 }
      let line = "distccd[\(CurrentProcess.id)] \(tag)\(level.prefix)\(text)\n"
      _ = try? FileDescriptor(rawValue: fd).writeAll(line.utf8, deadline: .never)
    }
  }

  /// The line a job appends to its `SERR` for a warning or worse (3.4 copies such lines into the job's stderr).
  static func jobLine(_ level: Level, _ text: String, function: String) -> String {
    "distccd[\(CurrentProcess.id)] (\(function)) \(level.prefix)\(text)\n"
  }
}
