import Foundation
import Testing

/// Our `distccmon-text` and Debian's 3.4 one, run in the same test on identical state directories:
/// stdout, stderr (pid and directory normalised), exit status and the files left behind must agree.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: MonitorFixtures.debianMonitor)))
struct MonitorTextTests {
  typealias File = (name: String, bytes: [UInt8], age: Int)

  static let alive: UInt64 = 1  // init: kill(1, 0) succeeds (or fails with EPERM) for everyone
  static let dead: UInt64 = 2_147_483_000  // above any pid_max: ESRCH

  static func state(_ pid: UInt64, _ file: String, _ host: String, _ slot: Int32, _ phase: UInt32)
    -> [UInt8]
  {
    MonitorFixtures.record(pid: pid, file: file, host: host, slot: slot, phase: phase)
  }

  static let scenarios: [(String, [File])] = [
    ("empty", []),
    (
      "reference example of monitor.md §5 with every kind of skipped file",
      [
        ("binstate_10", state(alive, "c.c", "aaa", 0, 4), 0),
        ("binstate_11", state(alive, "b.c", "aaa", 2, 3), 0),
        ("binstate_12", state(alive, "e.c", "localhost", 0, 6), 0),
        ("binstate_13", state(alive, "d.c", "localhost", 0, 0), 0),
        ("binstate_14", state(alive, "phase9.c", "localhost", 2, 9), 0),
        ("binstate_15", state(alive, "init.c", "zzz", 0, 1), 0),
        (
          "binstate_16",
          state(
            alive, "a_very_long_source_file_name_that_goes_on.c",
            "a-really-long-hostname.example.com", 3, 5), 0
        ),
        ("binstate_17", state(dead, "done.c", "aaa", 0, 7), 0),
        ("binstate_18", state(dead, "orphan.c", "aaa", 0, 5), 0),
        ("binstate_19", Array(state(alive, "short.c", "aaa", 0, 5).prefix(100)), 0),
        ("binstate_20", [], 0),
        (
          "binstate_21",
          MonitorFixtures.record(
            pid: alive, file: "m.c", host: Array("a".utf8), slot: 0, phase: 5, magic: 0x4449_4700),
          0
        ),
        (
          "binstate_22",
          MonitorFixtures.record(
            pid: alive, file: "s.c", host: Array("a".utf8), slot: 0, phase: 5, size: 300), 0
        ),
        ("binstate_23", state(alive, "stale.c", "aaa", 0, 5), 61 + 60),
        ("binstate_24", state(alive, "fresh-enough.c", "aaa", 1, 5), 50),
        ("notbinstate_25", state(alive, "ignored.c", "aaa", 0, 5), 0),
        ("binstate_bogus_name", state(alive, "named.c", "bbb", 0, 2), 0),
      ]
    ),
    (
      "thirty jobs on three hosts, equal keys in directory order",
      (0..<30).map {
        (
          "binstate_\(100 + $0)",
          state(alive, "job\($0).c", "host\($0 % 3)", Int32($0 % 2), 2 + UInt32($0 % 5)), 0
        )
      }
    ),
    (
      "odd values: wide and negative pids, negative slots, non-UTF-8 host, phase 2^32-1",
      [
        ("binstate_1", state(4_294_967_297, "wide.c", "h", -4, 5), 0),
        ("binstate_2", state(UInt64.max, "minus-one.c", "h", 0, 0xffff_ffff), 0),
        (
          "binstate_3",
          MonitorFixtures.record(
            pid: alive, file: "bytes.c", host: [0xff, 0xfe, 0x41], slot: 7, phase: 3), 0
        ),
        (
          "binstate_4",
          state(
            alive, String(repeating: "f", count: 127), String(repeating: "h", count: 127),
            Int32.max, 6), 0
        ),
      ]
    ),
  ]

  /// Writes `files` into `<directory>/state`, with their ages.
  static func populate(_ directory: String, with files: [File]) throws {
    try FileManager.default.createDirectory(
      atPath: directory + "/state", withIntermediateDirectories: true)
    for file in files {
      try MonitorFixtures.write(file.bytes, to: directory + "/state/" + file.name)
      if file.age > 0 { MonitorFixtures.age(directory + "/state/" + file.name, by: file.age) }
    }
  }

  @Test(arguments: scenarios, [false, true])
  func printsWhat34PrintsForHandMadeFiles(_ scenario: (String, [File]), verbose: Bool) throws {
    let theirs = try MonitorFixtures.makeDirectory()
    let ours = try MonitorFixtures.makeDirectory()
    defer { for path in [theirs, ours] { try? FileManager.default.removeItem(atPath: path) } }
    try Self.populate(theirs, with: scenario.1)
    try Self.populate(ours, with: scenario.1)
    let extra = verbose ? ["DISTCC_VERBOSE": "1"] : [:]

    let expected = try MonitorFixtures.run(
      MonitorFixtures.debianMonitor, [], environment: extra.merging(["DISTCC_DIR": theirs]) { $1 },
      replacing: [theirs: "$DIR"])
    let actual = try MonitorFixtures.run(
      MonitorFixtures.ourMonitor, [], environment: extra.merging(["DISTCC_DIR": ours]) { $1 },
      replacing: [ours: "$DIR"])
    #expect(actual == expected, "\(scenario.0)")
    #expect(expected.status == 0)
    #expect(verbose == expected.stderr.contains("(dcc_mon_do_file) process") || scenario.1.isEmpty)
    #expect(
      MonitorFixtures.names(in: ours + "/state") == MonitorFixtures.names(in: theirs + "/state"))
  }

  @Test func referenceExampleShowsTheVerifiedLines() throws {
    let directory = try MonitorFixtures.makeDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try Self.populate(directory, with: Self.scenarios[1].1)
    let outcome = try MonitorFixtures.run(
      MonitorFixtures.ourMonitor, [], environment: ["DISTCC_DIR": directory])
    let lines = String(decoding: outcome.stdout, as: UTF8.self).split(
      separator: "\n", omittingEmptySubsequences: false)
    #expect(
      lines.first
        == "     1  Compile     a_very_long_source_file_name_t a-really-long-hostname.e[3]")
    #expect(lines.count == 1 + 8 + 2)  // 9 shown, then the empty line
    // stale: deleted
    #expect(!FileManager.default.fileExists(atPath: directory + "/state/binstate_23"))
    // orphan: kept
    #expect(FileManager.default.fileExists(atPath: directory + "/state/binstate_18"))
    #expect(
      outcome.stderr.contains(
        "(dcc_mon_read_state) Warning: wrong magic number: \(directory)/state/binstate_21"))
  }

  static let commandLines: [[String]] = [
    [], [""], ["0"], [" 0"], ["0x0"], ["x"], ["0 "], ["1", "2"], ["--help"], ["-"],
  ]

  @Test(arguments: commandLines)
  func treatsArgumentsAs34Does(_ arguments: [String]) throws {
    let directory = try MonitorFixtures.makeDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let environment = ["DISTCC_DIR": directory]
    let expected = try MonitorFixtures.run(
      MonitorFixtures.debianMonitor, arguments, environment: environment)
    let actual = try MonitorFixtures.run(
      MonitorFixtures.ourMonitor, arguments, environment: environment)
    #expect(actual == expected)
  }

  static let environments: [(String, [String: String])] = [
    ("DISTCC_DIR missing", ["DISTCC_DIR": "$DIR/missing"]),
    ("DISTCC_DIR a regular file", ["DISTCC_DIR": "$DIR/file"]),
    ("state a regular file", ["DISTCC_DIR": "$DIR/hasfile"]),
    ("HOME without DISTCC_DIR", ["HOME": "$DIR/home"]),
    ("HOME missing", ["HOME": "$DIR/nohome"]),
    ("neither HOME nor DISTCC_DIR", [:]),
    ("DISTCC_LOG", ["DISTCC_DIR": "$DIR/hasfile", "DISTCC_LOG": "$DIR/log"]),
  ]

  @Test(arguments: environments)
  func failsAs34DoesOnBadDirectories(_ name: String, _ template: [String: String]) throws {
    var outcomes: [MonitorFixtures.Outcome] = []
    var leftovers: [[String]] = []
    for monitor in [MonitorFixtures.debianMonitor, MonitorFixtures.ourMonitor] {
      let directory = try MonitorFixtures.makeDirectory()
      defer { try? FileManager.default.removeItem(atPath: directory) }
      try MonitorFixtures.write([1], to: directory + "/file")
      try FileManager.default.createDirectory(
        atPath: directory + "/hasfile", withIntermediateDirectories: false)
      try MonitorFixtures.write([1], to: directory + "/hasfile/state")
      try FileManager.default.createDirectory(
        atPath: directory + "/home", withIntermediateDirectories: false)
      let environment = template.mapValues { $0.replacingOccurrences(of: "$DIR", with: directory) }
      var outcome = try MonitorFixtures.run(
        monitor, [], environment: environment, replacing: [directory: "$DIR"])
      if let log = try? String(contentsOfFile: directory + "/log", encoding: .utf8) {
        outcome.stderr +=
          "log: "
          + log.replacingOccurrences(of: directory, with: "$DIR")
          .replacingOccurrences(of: #"\[[0-9]+\]"#, with: "[PID]", options: .regularExpression)
      }
      outcomes.append(outcome)
      leftovers.append(FileManager.default.subpaths(atPath: directory)?.sorted() ?? [])
    }
    #expect(outcomes[1] == outcomes[0], "\(name)")
    #expect(leftovers[1] == leftovers[0], "\(name)")
  }
}
