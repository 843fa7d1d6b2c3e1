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
  ///
  /// Scanned byte by byte, with no array of lines or fields: each array of a new element type costs the
  /// runtime a metadata instantiation by mangled name at its first use, and this runs at every job's end.
  package init(text: String) {
    records = [:]
    var text = text
    text.withUTF8 { bytes in
      var start = 0
      while start < bytes.count {
        var end = start
        while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
        if let (key, record) = Self.parseLine(UnsafeBufferPointer(rebasing: bytes[start..<end])) {
          records[key] = record
        }
        start = end + 1
      }
    }
  }

  /// One line's key and record: five fields separated by runs of spaces; `nil` if malformed.
  private static func parseLine(_ line: UnsafeBufferPointer<UInt8>) -> (String, HostRecord)? {
    var fields: (String, String, String, String, String) = ("", "", "", "", "")
    var count = 0
    var index = 0
    while index < line.count {
      if line[index] == UInt8(ascii: " ") {
        index += 1
        continue
      }
      var end = index
      while end < line.count && line[end] != UInt8(ascii: " ") { end += 1 }
      let field = String(decoding: UnsafeBufferPointer(rebasing: line[index..<end]), as: UTF8.self)
      switch count {
      case 0: fields.0 = field
      case 1: fields.1 = field
      case 2: fields.2 = field
      case 3: fields.3 = field
      case 4: fields.4 = field
      default: return nil
      }
      count += 1
      index = end
    }
    guard count == 5, let average = Double(fields.1), average.isFinite, average >= 0,
      let samples = Int(fields.2), let failures = Int(fields.3), let last = Int(fields.4)
    else { return nil }
    return (
      fields.0,
      HostRecord(
        averageMilliseconds: average, samples: samples, failures: failures, lastFailure: last)
    )
  }

  /// The file format, sorted by key, numbers padded to their field widths.
  package var text: String {
    var text = ""
    for key in records.keys.sorted() {
      let r = records[key]!
      text += key
      text += " "
      text += Int(r.averageMilliseconds.rounded()).padded(to: 9)
      text += " "
      text += r.samples.padded(to: 7)
      text += " "
      text += r.failures.padded(to: 4)
      text += " "
      text += r.lastFailure.padded(to: 10)
      text += "\n"
    }
    return text
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
