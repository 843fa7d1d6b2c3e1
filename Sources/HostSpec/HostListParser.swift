/// The 3.4 host-list scanner (`src/hosts.c`), ported byte for byte.
///
/// As in 3.4, an entry ends at space, tab, newline, carriage return, form feed or `#`, but the field readers run
/// over the rest of the whole list (C strings): a host name stops only at `/ : , ` and whitespace (so `red#x`
/// names host `red#x`), and `atoi`/`strtol` skip leading whitespace (so `red/ 3` has limit 3). We reproduce that,
/// and record a warning whenever it happens. Bytes past the end read as NUL.
struct HostListParser {
  private let text: [UInt8]
  private let origin: HostListOrigin
  private var list: HostList

  /// The current entry: its bounds, number, text and line.
  private var entryStart = 0
  private var entryEnd = 0
  private var entryNumber = 0
  private var entryText = ""
  private var line = 1
  /// The furthest byte a field reader of the current entry has consumed.
  private var furthestRead = 0

  init(_ bytes: [UInt8], origin: HostListOrigin) {
    if let nul = bytes.firstIndex(of: 0) {
      text = Array(bytes[..<nul])
    } else {
      text = bytes
    }
    self.origin = origin
    list = HostList(origin: origin)
  }

  private subscript(_ index: Int) -> UInt8 {
    index < text.count ? text[index] : 0
  }

  mutating func parse() throws(HostSpecError) -> HostList {
    var position = 0
    while self[position] != 0 {
      let byte = self[position]
      if byte == ASCII.hash {
        while ![ASCII.newline, ASCII.carriageReturn, 0].contains(self[position]) { position += 1 }
        continue
      }
      if ASCII.isSpace(byte) {
        if byte == ASCII.newline { line += 1 }
        position += 1
        continue
      }
      entryStart = position
      entryEnd = position
      while !ASCII.endsEntry(self[entryEnd]) { entryEnd += 1 }
      entryNumber += 1
      entryText = String(decoding: text[entryStart..<entryEnd], as: UTF8.self)
      furthestRead = entryStart
      try parseEntry()
      position = entryEnd
    }
    if list.hosts.isEmpty && list.zeroconfPositions.isEmpty {
      throw .noHosts(origin)
    }
    return list
  }

  // MARK: Entries

  private mutating func parseEntry() throws(HostSpecError) {
    if hasPrefix("--randomize", at: entryStart) {
      list.randomize = true
      finishEntry(cursor: entryStart + 11)
      return
    }
    if hasPrefix("--localslots_cpp", at: entryStart) {
      // A bad value is ignored: 3.4's `--localslots` check that follows swallows the entry.
      _ = parseLocalSlots(after: 16, into: \.localSlotsCpp, becomesHostIfBad: false)
      return
    }
    if hasPrefix("--localslots", at: entryStart),
      parseLocalSlots(after: 12, into: \.localSlots, becomesHostIfBad: true)
    {
      return
    }
    if entryText == "+zeroconf" {
      list.zeroconfPositions.append(list.hosts.count)
      return
    }
    var cursor = entryStart
    var entry: HostEntry
    if hasPrefix("localhost", at: entryStart)
      && (entryEnd - entryStart == 9 || self[entryStart + 9] == ASCII.slash)
    {
      cursor += 9
      entry = HostEntry(
        kind: .localhost, limit: HostEntry.defaultLocalhostLimit, displayName: entryText)
      if let limit = try limit(at: &cursor) { entry.limit = limit }
    } else if text[entryStart..<entryEnd].contains(ASCII.at) {
      entry = try parseSSHHost(cursor: &cursor)
    } else {
      entry = try parseTCPHost(cursor: &cursor)
    }
    if entry.limit <= 0 {
      list.warnings.append(.nonPositiveLimit(location(entryStart), limit: entry.limit))
    }
    if case .tcp(_, let port) = entry.kind, !(1...65535).contains(port) {
      list.warnings.append(.portOutOfRange(location(entryStart), port: port))
    }
    finishEntry(cursor: cursor)
    list.hosts.append(entry)
  }

  /// `--localslots[_cpp][=N]`. False if the value is bad: then the setting is unchanged and a warning
  /// recorded.
  private mutating func parseLocalSlots(
    after length: Int, into setting: WritableKeyPath<HostList, Int>, becomesHostIfBad: Bool
  ) -> Bool {
    var cursor = entryStart + length
    switch multiplier(at: &cursor) {
    case .absent:
      break
    case .value(let slots):
      if slots <= 0 { list.warnings.append(.nonPositiveLimit(location(entryStart), limit: slots)) }
      list[keyPath: setting] = slots
    case .bad(let at):
      list.warnings.append(
        .badLocalSlots(location(at), text: fieldText(from: at), becomesHost: becomesHostIfBad))
      furthestRead = entryStart  // 3.4 may go on to parse the entry as a host
      return false
    }
    finishEntry(cursor: cursor)
    return true
  }

  /// `[USER]@HOST[/LIMIT][:COMMAND][,OPTIONS]`
  private mutating func parseSSHHost(cursor: inout Int) throws(HostSpecError) -> HostEntry {
    let user = copyPart(at: &cursor, stoppingAt: ASCII.userStops)
    cursor += 1  // the '@', which the entry contains
    let hostStart = cursor
    guard let host = copyPart(at: &cursor, stoppingAt: ASCII.hostStops) else {
      throw .missingHostName(location(hostStart), ssh: true)
    }
    var entry = HostEntry(
      kind: .ssh(user: user, host: host, command: nil), limit: HostEntry.defaultLimit,
      displayName: entryText)
    if let limit = try limit(at: &cursor) { entry.limit = limit }
    if self[cursor] == ASCII.colon {
      cursor += 1
      let command = copyPart(at: &cursor, stoppingAt: ASCII.commandStops)
      entry.kind = .ssh(user: user, host: host, command: command)
    }
    entry.options = try options(at: &cursor)
    return entry
  }

  /// `HOST|[ADDR6] [/LIMIT] [:PORT] [/LIMIT] [,OPTIONS]`
  private mutating func parseTCPHost(cursor: inout Int) throws(HostSpecError) -> HostEntry {
    let host: String?
    if self[cursor] == ASCII.openBracket {
      cursor += 1
      host = copyPart(at: &cursor, stoppingAt: ASCII.bracketedHostStops)
      guard self[cursor] == ASCII.closeBracket else { throw .unclosedBracket(location(entryStart)) }
      cursor += 1
    } else {
      host = copyPart(at: &cursor, stoppingAt: ASCII.hostStops)
    }
    guard let host else { throw .missingHostName(location(cursor), ssh: false) }
    var limit = try limit(at: &cursor) ?? HostEntry.defaultLimit
    var port = HostEntry.defaultPort
    if self[cursor] == ASCII.colon {
      cursor += 1
      let number = strtol(at: cursor)
      let tail = self[number.end]
      guard tail == 0 || ASCII.isSpace(tail) || tail == ASCII.slash || tail == ASCII.comma else {
        var end = max(entryEnd, number.end + 1)
        while self[end] != 0 && !ASCII.isSpace(self[end]) { end += 1 }
        throw .badPort(
          location(cursor),
          text: String(decoding: text[cursor..<min(end, text.count)], as: UTF8.self))
      }
      port = Int(Int32(truncatingIfNeeded: number.value))
      cursor = number.end
      furthestRead = max(furthestRead, cursor)
    }
    limit = try self.limit(at: &cursor) ?? limit
    let options = try options(at: &cursor)
    return HostEntry(
      kind: .tcp(host: host, port: port), limit: limit, options: options, displayName: entryText)
  }

  /// `{,lzo|,cpp|,down|,auth[=NAME]|,zstd}`, each matched as a prefix, as 3.4 does (`,zstd` is ours).
  private mutating func options(at cursor: inout Int) throws(HostSpecError) -> HostEntry.Options {
    var options = HostEntry.Options()
    var cppAt = cursor
    while self[cursor] == ASCII.comma {
      let comma = cursor
      cursor += 1
      if hasPrefix("lzo", at: cursor) {
        options.lzo = true
        cursor += 3
      } else if hasPrefix("zstd", at: cursor) {
        options.zstd = true
        cursor += 4
      } else if hasPrefix("down", at: cursor) {
        options.down = true
        cursor += 4
      } else if hasPrefix("cpp", at: cursor) {
        options.cpp = true
        cppAt = comma
        cursor += 3
      } else if hasPrefix("auth", at: cursor) {
        options.authenticate = true
        cursor += 4
        if self[cursor] == ASCII.equals {
          cursor += 1
          options.authName = copyPart(at: &cursor, stoppingAt: ASCII.hostStops)
        }
      } else {
        throw .unknownOption(
          location(comma), text: fieldText(from: comma, stoppingAt: [ASCII.comma]))
      }
    }
    furthestRead = max(furthestRead, cursor)
    if options.cpp && !options.lzo { throw .cppWithoutLZO(location(cppAt)) }
    return options
  }

  /// An optional `/LIMIT` (or `=LIMIT`); nil if absent.
  private mutating func limit(at cursor: inout Int) throws(HostSpecError) -> Int? {
    switch multiplier(at: &cursor) {
    case .absent: return nil
    case .value(let limit): return limit
    case .bad(let at): throw .badLimit(location(at), text: fieldText(from: at))
    }
  }

  // MARK: Field readers (3.4's dcc_parse_multiplier, dcc_dup_part, atoi, strtol)

  private enum Multiplier {
    case absent
    case value(Int)
    case bad(at: Int)
  }

  private mutating func multiplier(at cursor: inout Int) -> Multiplier {
    let start = cursor
    guard self[cursor] == ASCII.slash || self[cursor] == ASCII.equals else { return .absent }
    cursor += 1
    let number = strtol(at: cursor)
    furthestRead = max(furthestRead, number.end)
    let value = Int32(truncatingIfNeeded: number.value)  // atoi is (int) strtol
    guard value != 0 else { return .bad(at: start) }
    while ASCII.isDigit(self[cursor]) { cursor += 1 }
    return .value(Int(value))
  }

  /// Copies up to the first stop byte (or the end of the list); nil if that is empty, as `dcc_dup_part`.
  private mutating func copyPart(at cursor: inout Int, stoppingAt stops: [UInt8]) -> String? {
    let start = cursor
    while self[cursor] != 0 && !stops.contains(self[cursor]) { cursor += 1 }
    furthestRead = max(furthestRead, cursor)
    return cursor > start ? String(decoding: text[start..<cursor], as: UTF8.self) : nil
  }

  /// glibc `strtol(s, &end, 10)` on a 64-bit `long`: leading whitespace, a sign, digits, saturating.
  /// `end` is `start` when there are no digits.
  private func strtol(at start: Int) -> (value: Int64, end: Int) {
    var index = start
    while ASCII.isSpace(self[index]) { index += 1 }
    var negative = false
    if self[index] == ASCII.plus || self[index] == ASCII.minus {
      negative = self[index] == ASCII.minus
      index += 1
    }
    guard ASCII.isDigit(self[index]) else { return (0, start) }
    var magnitude: UInt64 = 0
    var overflow = false
    while ASCII.isDigit(self[index]) {
      let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
      let (sum, o2) = times10.addingReportingOverflow(UInt64(self[index] - ASCII.zero))
      overflow = overflow || o1 || o2
      magnitude = sum
      index += 1
    }
    let value: Int64
    if negative {
      value =
        overflow || magnitude > UInt64(Int64.max) + 1
        ? .min : Int64(truncatingIfNeeded: 0 &- magnitude)
    } else {
      value = overflow || magnitude > UInt64(Int64.max) ? .max : Int64(magnitude)
    }
    return (value, index)
  }

  // MARK: Helpers

  private func hasPrefix(_ prefix: StaticString, at index: Int) -> Bool {
    prefix.withUTF8Buffer { bytes in
      bytes.indices.allSatisfy { self[index + $0] == bytes[$0] }
    }
  }

  private func location(_ index: Int) -> HostSpecLocation {
    HostSpecLocation(
      origin: origin, entry: entryNumber, entryText: entryText, line: line,
      column: index - entryStart + 1)
  }

  /// The text of a field for a message: from `start` (a `/`, `=`, `,` or a port's first byte) to the next stop
  /// byte or the end of the entry; if that is empty (3.4 read past the entry), to the end of the next word.
  private func fieldText(from start: Int, stoppingAt stops: [UInt8] = ASCII.fieldStops) -> String {
    var end = start + 1
    while end < entryEnd && !stops.contains(self[end]) { end += 1 }
    if end > entryEnd || start >= entryEnd {
      end = start
      while ASCII.isSpace(self[end]) { end += 1 }
      while !ASCII.endsEntry(self[end]) { end += 1 }
    }
    return String(decoding: text[start..<min(end, text.count)], as: UTF8.self)
  }

  /// Records what 3.4 ignored at the end of the entry, or read beyond it.
  private mutating func finishEntry(cursor: Int) {
    let stop = max(cursor, furthestRead)
    if stop > entryEnd {
      let text = String(decoding: text[entryEnd..<min(stop, text.count)], as: UTF8.self)
      list.warnings.append(.readPastEntry(location(entryEnd), text: text))
    } else if stop < entryEnd {
      let text = String(decoding: text[stop..<entryEnd], as: UTF8.self)
      list.warnings.append(.ignoredText(location(stop), text: text))
    }
  }
}

/// Byte classes of the C locale, as 3.4 uses them.
enum ASCII {
  static let tab: UInt8 = 0x09
  static let newline: UInt8 = 0x0A
  static let formFeed: UInt8 = 0x0C
  static let carriageReturn: UInt8 = 0x0D
  static let space: UInt8 = 0x20
  static let hash = UInt8(ascii: "#")
  static let plus = UInt8(ascii: "+")
  static let comma = UInt8(ascii: ",")
  static let minus = UInt8(ascii: "-")
  static let slash = UInt8(ascii: "/")
  static let zero = UInt8(ascii: "0")
  static let colon = UInt8(ascii: ":")
  static let equals = UInt8(ascii: "=")
  static let at = UInt8(ascii: "@")
  static let openBracket = UInt8(ascii: "[")
  static let closeBracket = UInt8(ascii: "]")

  /// `dcc_dup_part` stop sets of 3.4.
  static let userStops: [UInt8] = [at]
  static let hostStops: [UInt8] = [
    slash, colon, space, tab, newline, carriageReturn, formFeed, comma,
  ]
  static let bracketedHostStops: [UInt8] = [
    slash, closeBracket, space, tab, newline, carriageReturn, formFeed, comma,
  ]
  static let commandStops: [UInt8] = [space, tab, newline, carriageReturn, formFeed, comma]
  /// Where a quoted field ends in our messages.
  static let fieldStops: [UInt8] = [slash, colon, comma]

  /// C `isspace`: space, `\t`, `\n`, `\v`, `\f`, `\r`.
  static func isSpace(_ byte: UInt8) -> Bool {
    byte == space || (tab...carriageReturn).contains(byte)
  }
  static func isDigit(_ byte: UInt8) -> Bool { (zero...UInt8(ascii: "9")).contains(byte) }
  /// The end of an entry: `strcspn(" #\t\n\f\r")`, or the end of the list. Vertical tab does not end one.
  static func endsEntry(_ byte: UInt8) -> Bool {
    byte == 0 || byte == space || byte == hash || byte == tab || byte == newline || byte == formFeed
      || byte == carriageReturn
  }
}
