package import HostSpec

/// Per-host records kept in one small text file under `$DISTCC_DIR` (`sched/history`), one line per host:
/// `<key> <average ms> <samples> <failures> <last failure s>`. The key is the host's slot-lock prefix
/// (`cpu_tcp_red_3632`), so two list entries for the same daemon share a record.
///
/// The numbers are right-aligned in fields of 9, 7, 4 and 10 characters (a wider value is written whole), so
/// a line keeps its length as its figures change and the file is rewritten in place at the same size
/// (`SmallFile`); the parser takes any run of spaces between fields, so the older unpadded lines still read,
/// and older clients read the padded ones.
///
/// Many clients update it concurrently: each reads, changes one line and rewrites the file under an exclusive
/// lock, so no update is lost and no reader sees a torn file.
package struct HostHistory: Sendable, Equatable {
  /// Records by host key.
  package var records: [String: HostRecord]

  package init(records: [String: HostRecord] = [:]) { self.records = records }

  /// The key of `host`.
  package static func key(_ host: HostEntry) -> String {
    let name = host.lockName(slot: 0)
    return String(name.dropLast(2))
  }

  /// `host`'s record, if any.
  package subscript(host: HostEntry) -> HostRecord? { records[HostHistory.key(host)] }

  /// Parses the file format; malformed lines are skipped.
  package init(text: String) {
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

  /// The file format, sorted by key, numbers padded to their field widths.
  package var text: String {
    records.keys.sorted().map { key in
      let r = records[key]!
      let average = Int(r.averageMilliseconds.rounded())
      return key + " " + average.padded(to: 9) + " " + r.samples.padded(to: 7) + " "
        + r.failures.padded(to: 4) + " " + r.lastFailure.padded(to: 10) + "\n"
    }.joined()
  }

  /// Loads the file at `path` (empty when missing or unreadable).
  static func load(_ path: String) -> HostHistory {
    SmallFile.read(path).map(HostHistory.init(text:)) ?? HostHistory()
  }

  /// Re-reads `path`, applies `change` to `host`'s record and rewrites the file in place, all under the
  /// file's exclusive lock.
  static func update(_ path: String, host: HostEntry, _ change: (inout HostRecord) -> Void) {
    SmallFile.update(path) { text in
      var history = HostHistory(text: text)
      change(&history.records[key(host), default: HostRecord()])
      // Forget hosts not heard of for a long time so the file stays small.
      if history.records.count > 512 {
        let oldest = history.records.min { $0.value.samples < $1.value.samples }?.key
        if let oldest { history.records[oldest] = nil }
      }
      return history.text
    }
  }
}

extension Int {
  /// The decimal digits right-aligned in `width` characters (all of them if there are more).
  func padded(to width: Int) -> String {
    let digits = String(self)
    return digits.count >= width
      ? digits : String(repeating: " ", count: width - digits.count) + digits
  }
}
