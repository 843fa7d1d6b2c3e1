/// `distccmon-web`'s command line.
public struct MonitorWebOptions: Sendable, Equatable {
  /// The default port: next to distcc's 3632 (jobs) and 3633 (`--stats`).
  public static let defaultPort: UInt16 = 3634

  public var listen = "127.0.0.1"
  public var port = MonitorWebOptions.defaultPort
  public var daemonStats: [DaemonStatsSource] = []
  /// History kept, in minutes.
  public var windowMinutes = 10
  public var showHelp = false

  public static let usage = """
    usage: distccmon-web [--listen ADDR] [--port N] [--daemon-stats HOST:PORT]... [--window MINUTES]

    Serves a live web page showing this user's distcc jobs (from $DISTCC_DIR/state), each host's
    totals and back-off state, and, with --daemon-stats, the load and capacity of daemons started
    with --stats.

      --listen ADDR              address to serve on (default 127.0.0.1; loopback only unless changed)
      --port N                   port to serve on (default 3634; 0 picks a free one)
      --daemon-stats HOST:PORT   poll a daemon's --stats page (repeatable); HOST as in DISTCC_HOSTS
      --window MINUTES           history kept and drawable (default 10)
      --help                     show this text

    """

  public init() {}

  /// Parses the arguments after the program name (`--opt value` or `--opt=value`).
  /// - Throws: `MonitorWebError.badOption` naming the culprit.
  public init(_ arguments: [String]) throws(MonitorWebError) {
    var remaining = arguments[...]
    while let argument = remaining.popFirst() {
      var name = argument
      var inlineValue: String? = nil
      if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
        name = String(argument[..<equals])
        inlineValue = String(argument[argument.index(after: equals)...])
      }
      func value() throws(MonitorWebError) -> String {
        if let inlineValue { return inlineValue }
        guard let next = remaining.popFirst() else {
          throw .badOption("option \(name) needs a value")
        }
        return next
      }
      switch name {
      case "--listen":
        listen = try value()
      case "--port":
        let text = try value()
        guard let number = UInt16(text) else {
          throw .badOption("bad --port \"\(text)\": expected 0-65535")
        }
        port = number
      case "--daemon-stats":
        let text = try value()
        do throws(DaemonStatsError) {
          daemonStats.append(try DaemonStatsSource(text))
        } catch {
          throw .badOption("\(error)")
        }
      case "--window":
        let text = try value()
        guard let minutes = Int(text), (1...24 * 60).contains(minutes) else {
          throw .badOption("bad --window \"\(text)\": expected minutes from 1 to 1440")
        }
        windowMinutes = minutes
      case "--help", "-h":
        showHelp = true
      default:
        throw .badOption("unknown option \"\(argument)\"")
      }
    }
  }
}
