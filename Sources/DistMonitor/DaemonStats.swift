/// The figures of a daemon's `--stats` page (`daemon.md` §7): 3.4's `<distccstats>` text, which our daemon
/// serves too.
public struct DaemonStats: Sendable, Hashable {
  /// Every `name value` line between `<distccstats>` and `</distccstats>`, in order.
  public var fields: [(name: String, value: String)] { order.map { ($0, values[$0] ?? "") } }
  private var order: [String]
  private var values: [String: String]

  /// Parses a page (the HTTP header, if present, is skipped).
  /// - Throws: `DaemonStatsError.notAStatsPage` when the `<distccstats>` block is missing.
  public init(page: String) throws(DaemonStatsError) {
    let lines = page.split(separator: "\n", omittingEmptySubsequences: false).map {
      $0.hasSuffix("\r") ? $0.dropLast() : $0
    }
    guard let start = lines.firstIndex(of: "<distccstats>"),
      let end = lines[start...].firstIndex(of: "</distccstats>")
    else { throw .notAStatsPage }
    order = []
    values = [:]
    for line in lines[(start + 1)..<end] {
      guard let space = line.firstIndex(of: " ") else { continue }
      let name = String(line[..<space])
      if values[name] == nil { order.append(name) }
      values[name] = String(line[line.index(after: space)...])
    }
  }

  /// The value of one field, e.g. `dcc_max_kids`.
  public subscript(name: String) -> String? { values[name] }

  private func integer(_ name: String) -> Int? { values[name].flatMap { Int($0) } }

  /// Worker processes, i.e. how many jobs the daemon runs at once (`dcc_max_kids`).
  public var capacity: Int? { integer("dcc_max_kids") }
  /// Runnable processes on the machine (`dcc_current_load`).
  public var runnable: Int? { integer("dcc_current_load") }
  /// The 1-minute load average (`dcc_load1`); `nil` when unavailable (3.4 prints -1.00).
  public var load1: Double? {
    values["dcc_load1"].flatMap { Double($0) }.flatMap { $0 < 0 ? nil : $0 }
  }
  /// Jobs that compiled (`dcc_compile_ok`).
  public var compiledOK: Int? { integer("dcc_compile_ok") }
  /// Jobs whose compiler failed (`dcc_compile_error`).
  public var compileErrors: Int? { integer("dcc_compile_error") }
  /// Jobs finished in roughly the last minute (`dcc_num_compiles1`).
  public var recentJobs: Int? { integer("dcc_num_compiles1") }

  public static func == (lhs: DaemonStats, rhs: DaemonStats) -> Bool {
    lhs.order == rhs.order && lhs.values == rhs.values
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(order)
  }
}

/// Why a daemon's statistics could not be read.
public enum DaemonStatsError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The reply had no `<distccstats>` block.
  case notAStatsPage
  /// `HOST:PORT` could not be parsed.
  case badAddress(String)
  /// Connecting, sending or reading failed.
  case unreachable(address: String, reason: String)

  public var description: String {
    switch self {
    case .notAStatsPage: "the reply is not a distcc --stats page"
    case .badAddress(let text): "bad daemon stats address \"\(text)\": expected HOST:PORT"
    case .unreachable(let address, let reason): "stats of \(address): \(reason)"
    }
  }
}
