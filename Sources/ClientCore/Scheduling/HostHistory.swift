public import HostSpec

/// Per-host records kept in one small text file under `$DISTCC_DIR` (`sched/history`), one line per host:
/// `<key> <average ms> <samples> <failures> <last failure s>`. The key is the host's slot-lock prefix
/// (`cpu_tcp_red_3632`), so two list entries for the same daemon share a record.
///
/// Many clients update it concurrently: each reads, changes one line and renames a new file into place. An
/// update can be lost to a concurrent one (one sample fewer); the file is never torn.
public struct HostHistory: Sendable, Equatable {
  /// Records by host key.
  public var records: [String: HostRecord]

  public init(records: [String: HostRecord] = [:]) { self.records = records }

  /// The key of `host`.
  public static func key(_ host: HostEntry) -> String {
    let name = host.lockName(slot: 0)
    return String(name.dropLast(2))
  }

  /// `host`'s record, if any.
  public subscript(host: HostEntry) -> HostRecord? { records[HostHistory.key(host)] }

  /// Parses the file format; malformed lines are skipped.
  public init(text: String) {
    records = [:]
    for line in text.split(separator: "\n") {
      let fields = line.split(separator: " ")
      guard fields.count == 5, let average = Double(fields[1]), average.isFinite, average >= 0,
        let samples = Int(fields[2]), let failures = Int(fields[3]), let last = Int(fields[4])
      else { continue }
      records[String(fields[0])] = HostRecord(
        averageMilliseconds: average, samples: samples, failures: failures, lastFailure: last)
    }
  }

  /// The file format, sorted by key.
  public var text: String {
    records.keys.sorted().map { key in
      let r = records[key]!
      return "\(key) \(Int(r.averageMilliseconds.rounded())) \(r.samples) \(r.failures) \(r.lastFailure)\n"
    }.joined()
  }

  /// Loads the file at `path` (empty when missing or unreadable).
  static func load(_ path: String) -> HostHistory {
    SmallFile.read(path).map(HostHistory.init(text:)) ?? HostHistory()
  }

  /// Re-reads `path`, applies `change` to `host`'s record and writes the file back atomically.
  static func update(_ path: String, host: HostEntry, _ change: (inout HostRecord) -> Void) {
    var history = load(path)
    change(&history.records[key(host), default: HostRecord()])
    // Forget hosts not heard of for a long time so the file stays small.
    if history.records.count > 512 {
      let oldest = history.records.min { $0.value.samples < $1.value.samples }?.key
      if let oldest { history.records[oldest] = nil }
    }
    SmallFile.replace(path, with: history.text)
  }
}
