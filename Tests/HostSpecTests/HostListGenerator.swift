import DistTestSupport

/// Deterministic generator of host lists for the differential test: every entry form of `hosts.md`, valid and
/// invalid, with odd separators, comments and trailing junk. Never `+zeroconf`: 3.4 would start a detached
/// Avahi browser that outlives the test (`HostListTests` covers that keyword).
struct HostListGenerator {
  /// SplitMix64 (DistTestSupport's): small, seedable, the same sequence on every platform.
  private var random: SeededGenerator

  init(seed: UInt64) { random = SeededGenerator(seed: seed) }

  private mutating func next() -> UInt64 { random.next() }

  private mutating func chance(_ percent: UInt64) -> Bool { next() % 100 < percent }

  private mutating func pick(_ choices: [String]) -> String {
    choices[Int(next() % UInt64(choices.count))]
  }

  /// Mostly a good value, sometimes a bad one.
  private mutating func pick(_ good: [String], orBad bad: [String], badPercent: UInt64 = 8)
    -> String
  {
    chance(badPercent) ? pick(bad) : pick(good)
  }

  static let names = [
    "red", "127.0.0.1", "10.0.0.7", "build-box.example.com", "LOCALHOST", "localhostx", "h", "x_y",
  ]
  static let oddNames = [
    "a=b", "[::1]", "[fe80::1]", "[::1", "[]", "::1", "", "[::1]x", "local\u{0B}host",
  ]
  static let ports = [":3632", ":4000", ":1", ":+80", ":65535", ":007"]
  static let badPorts = [
    ":", ":-5", ":99999", ":0x10", ":abc", ":4000:5000", ": 80", ":65536", ":0",
    ":99999999999999999999", ":80#x",
    ":\t9",
  ]
  static let limits = ["/1", "/8", "/3", "/12", "=3", "/007"]
  static let badLimits = [
    "/0", "/abc", "/-2", "/+3", "/ 3", "/4294967297", "/", "=0", "/\n5", "/99999999999",
  ]
  static let options = [",lzo", ",cpp", ",down", ",auth", ",auth=svc", ",lzo,cpp"]
  /// Options both parsers refuse (`,zstd` is ours, beyond 3.4: `HostListTests.zstdIsAnOptionBeyond34`).
  static let badOptions = [
    ",lzofoo", ",foo", ",", ",,lzo", ",zlib", ",Lzo", ",auth=host/x", ",auth=", ",cppx",
  ]
  static let junk = ["xyz", "#comment", "#/5", "#,lzo", "#:9", "\u{0B}5", "/2/3", "@x"]
  static let separators = [
    " ", "  ", "\t", "\n", "\r\n", "\u{0C}", " \u{0B} ", "\n# a comment line\n", " #c d\n", "\r",
  ]
  static let keywords = [
    "--randomize", "--randomizeX", "--localslots", "--localslots=3", "--localslots=0",
    "--localslots_cpp=12",
    "--localslots_cpp=0", "--localslots=3abc", "--localslots=-1", "--localslots/5",
    "--localslots= 7",
    "--localslots_cpp", "--localslotsX", "--localslots_cpp=x", "--localslots=0@h",
    "--localslots=0/5",
  ]
  static let localForms = [
    "localhost", "localhost/3", "localhost/0", "localhost:4000", "localhost,lzo",
    "localhost/2,lzo", "localhost/", "localhost#x", "localhost/ 4", "localhost/2:1/3",
  ]
  static let users = ["", "alice", "a@b", "u-1"]
  static let sshHosts = ["red", "10.0.0.1", "[::1]", "b#c"]
  static let commands = [":distccd", ":/opt/bin/distccd", ":", ":/x/6", ":cmd:2"]

  /// One list of 1-6 entries.
  mutating func list() -> String {
    var text = chance(20) ? pick(Self.separators) : ""
    let count = 1 + Int(next() % 6)
    for index in 0..<count {
      if index > 0 { text += pick(Self.separators) }
      text += entry()
    }
    if chance(25) { text += pick(Self.separators) }
    return text
  }

  private mutating func entry() -> String {
    switch next() % 100 {
    case 0..<10: return pick(Self.keywords)
    case 10..<20: return pick(Self.localForms) + tail()
    case 20..<40: return sshEntry()
    default: return tcpEntry()
    }
  }

  private mutating func tcpEntry() -> String {
    var text = chance(10) ? pick(Self.oddNames) : pick(Self.names)
    // An old-style limit before the port, a new-style one after it, or both.
    if chance(30) { text += pick(Self.limits, orBad: Self.badLimits) }
    if chance(50) { text += pick(Self.ports, orBad: Self.badPorts) }
    if chance(40) { text += pick(Self.limits, orBad: Self.badLimits) }
    return text + optionList() + tail()
  }

  private mutating func sshEntry() -> String {
    var text = pick(Self.users) + "@" + (chance(5) ? "" : pick(Self.sshHosts))
    if chance(30) { text += pick(Self.limits, orBad: Self.badLimits) }
    if chance(40) { text += pick(Self.commands) }
    return text + optionList() + tail()
  }

  private mutating func optionList() -> String {
    var text = ""
    for _ in 0..<(next() % 3) {
      text += pick(Self.options, orBad: Self.badOptions, badPercent: 10)
    }
    return text
  }

  private mutating func tail() -> String { chance(8) ? pick(Self.junk) : "" }
}
