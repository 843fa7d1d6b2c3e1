import DistPosix

/// The basics of an OpenSSH client configuration (`~/.ssh/config`, `ssh_config(5)`): `Host` blocks with
/// `HostName`, `User`, `Port`, `IdentityFile`, `IdentitiesOnly`, `UserKnownHostsFile`, `GlobalKnownHostsFile` and
/// `StrictHostKeyChecking`.
///
/// As in OpenSSH, the first value found for a keyword wins (`IdentityFile` accumulates), `Host` patterns take
/// `*`, `?` and `!negation` and are matched against the host as written, and lines before the first `Host` apply
/// to every host. `Match all` blocks apply; other `Match` blocks and `Include` are not understood and are skipped,
/// as are keywords this list does not name.
struct SSHConfig: Sendable, Equatable {
  struct Setting: Sendable, Equatable {
    var keyword: String  // lower-cased
    var arguments: [String]
    var line: Int
  }

  enum Condition: Sendable, Equatable {
    case always
    case never
    case hosts([String])
  }

  struct Section: Sendable, Equatable {
    var condition: Condition
    var settings: [Setting] = []
  }

  var file: String
  var sections: [Section]
  /// The line of the first `Match` block other than `Match all`: whether it applies is not known here.
  var conditionalMatchLine: Int?

  /// An empty configuration.
  init(file: String = "") {
    self.file = file
    self.sections = []
  }

  /// Parses the text of a configuration file named `file` (for messages).
  init(parsing text: some Collection<UInt8>, file: String) throws(SSHError) {
    self.file = file
    var sections = [Section(condition: .always)]
    var number = 0
    for rawLine in text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
      number += 1
      let words: [String]
      do {
        words = try Self.words(of: Array(rawLine))
      } catch {
        throw .config(file: file, line: number, reason: error.reason)
      }
      guard let first = words.first else { continue }
      let keyword = first.lowercased()
      let arguments = Array(words.dropFirst())
      switch keyword {
      case "host":
        guard !arguments.isEmpty else {
          throw .config(file: file, line: number, reason: "Host needs at least one pattern")
        }
        sections.append(Section(condition: .hosts(arguments.map { $0.lowercased() })))
      case "match":
        let all = arguments.count == 1 && arguments[0].lowercased() == "all"
        if !all && conditionalMatchLine == nil { conditionalMatchLine = number }
        sections.append(Section(condition: all ? .always : .never))
      default:
        guard !arguments.isEmpty else {
          throw .config(file: file, line: number, reason: "\(first) needs a value")
        }
        sections[sections.count - 1].settings.append(
          Setting(keyword: keyword, arguments: arguments, line: number))
      }
    }
    self.sections = sections
  }

  /// Loads `path`; a missing file is an empty configuration.
  static func load(_ path: String?) throws(SSHError) -> SSHConfig {
    guard let path, let contents = ConfigFiles.read(path) else {
      return SSHConfig(file: path ?? "")
    }
    switch contents {
    case .success(let bytes): return try SSHConfig(parsing: bytes, file: path)
    case .failure(let failure): throw .config(file: path, line: 0, reason: "\(failure)")
    }
  }

  /// The settings that apply to `host` (as written), in file order, each keyword's first value first.
  func settings(for host: String) -> [Setting] {
    let name = host.lowercased()
    return sections.filter { $0.condition.matches(name) }.flatMap(\.settings)
  }

  struct WordError: Error { var reason: String }

  /// Splits a line into keyword and arguments as OpenSSH does: the keyword ends at a blank or `=`, one `=` may
  /// follow it, the arguments are separated by blanks and may be double-quoted; `#` at the start of a word begins
  /// a comment.
  static func words(of line: [UInt8]) throws(WordError) -> [String] {
    func isBlank(_ byte: UInt8) -> Bool {
      byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
    }
    var index = line.startIndex
    while index < line.endIndex, isBlank(line[index]) { index += 1 }
    guard index < line.endIndex, line[index] != UInt8(ascii: "#") else { return [] }
    let keywordStart = index
    while index < line.endIndex, !isBlank(line[index]), line[index] != UInt8(ascii: "=") {
      index += 1
    }
    var words = [String(decoding: line[keywordStart..<index], as: UTF8.self)]
    while index < line.endIndex, isBlank(line[index]) { index += 1 }
    if index < line.endIndex, line[index] == UInt8(ascii: "=") { index += 1 }
    var current: [UInt8] = []
    var inWord = false
    var quoted = false
    while index < line.endIndex {
      let byte = line[index]
      index += 1
      if quoted {
        if byte == UInt8(ascii: "\"") { quoted = false } else { current.append(byte) }
      } else if isBlank(byte) {
        if inWord { words.append(String(decoding: current, as: UTF8.self)) }
        current = []
        inWord = false
      } else if byte == UInt8(ascii: "#") && !inWord {
        break
      } else if byte == UInt8(ascii: "\"") {
        quoted = true
        inWord = true
      } else {
        current.append(byte)
        inWord = true
      }
    }
    if quoted { throw WordError(reason: "unterminated quote") }
    if inWord { words.append(String(decoding: current, as: UTF8.self)) }
    return words
  }
}

extension SSHConfig.Condition {
  func matches(_ host: String) -> Bool {
    switch self {
    case .always: return true
    case .never: return false
    case .hosts(let patterns):
      var matched = false
      for pattern in patterns {
        if pattern.hasPrefix("!") {
          if Glob.matches(pattern.dropFirst(), host) { return false }
        } else if Glob.matches(pattern[...], host) {
          matched = true
        }
      }
      return matched
    }
  }
}

/// OpenSSH's `match_pattern`: `*` matches any run, `?` one character.
enum Glob {
  static func matches(_ pattern: Substring, _ text: String) -> Bool {
    let p = Array(pattern.utf8)
    let t = Array(text.utf8)
    var pi = 0
    var ti = 0
    var star: Int? = nil
    var resume = 0
    while ti < t.count {
      if pi < p.count, p[pi] == UInt8(ascii: "?") || p[pi] == t[ti] {
        pi += 1
        ti += 1
      } else if pi < p.count, p[pi] == UInt8(ascii: "*") {
        star = pi
        pi += 1
        resume = ti
      } else if let s = star {
        pi = s + 1
        resume += 1
        ti = resume
      } else {
        return false
      }
    }
    while pi < p.count, p[pi] == UInt8(ascii: "*") { pi += 1 }
    return pi == p.count
  }
}
