import DistMonitor
import DistState
import Testing

@Suite struct TextReportTests {
  static let rows: [(StateRecord, String)] = [
    (
      StateRecord(pid: 28487, file: "hello.c", host: "127.0.0.1", slot: 0, phase: .compile),
      " 28487  Compile     hello.c                                       127.0.0.1[0]\n"
    ),
    (
      StateRecord(pid: 28636, file: "", host: "localhost", slot: 0, phase: .preprocess),
      " 28636  Preprocess                                                localhost[0]\n"
    ),
    (
      StateRecord(
        pid: 28512, file: "a_very_long_source_file_name_that_goes_on.c",
        host: "a-really-long-hostname.example.com",
        slot: 3, phase: .compile),
      " 28512  Compile     a_very_long_source_file_name_t a-really-long-hostname.e[3]\n"
    ),
    (
      StateRecord(pid: 4_294_967_297, file: "w.c", host: "h", slot: -4, phase: .startup),
      "4294967297  Startup     w.c                                                   h[-4]\n"
    ),
    (
      StateRecord(pid: -1, file: "", host: "", slot: 12, phase: .blocked),
      "    -1  Blocked                                                            [12]\n"
    ),
  ]

  @Test(arguments: rows)
  func formatsLinesAs34Does(record: StateRecord, line: String) {
    #expect(TextReport.render([record]) == Array((line + "\n").utf8))
  }

  @Test func endsEveryPollWithAnEmptyLineAndSkipsDone() {
    #expect(TextReport.render([]) == [UInt8(ascii: "\n")])
    let done = StateRecord(pid: 1, file: "d.c", host: "h", slot: 0, phase: .done)
    #expect(TextReport.render([done]) == [UInt8(ascii: "\n")])
    let send = StateRecord(pid: 1, file: "s.c", host: "h", slot: 0, phase: .send)
    #expect(TextReport.render([done, send, done]).count == 79 + 1)
  }

  @Test func padsAndCutsBytesNotCharacters() {
    let record = StateRecord(
      pid: 1, file: Array(repeating: 0xc3, count: 40), host: [0xff, 0xfe], slot: 0, phase: .send)
    let output = TextReport.render([record])
    #expect(output.count == 6 + 2 + 10 + 2 + 30 + 1 + 24 + 3 + 1 + 1)
    #expect(output[20..<50].allSatisfy { $0 == 0xc3 })
    #expect(Array(output[73..<75]) == [0xff, 0xfe])
  }
}

@Suite struct TextMonitorArgumentsTests {
  @Test(
    arguments: [
      ([], 0.0), (["0"], 0), (["0.5"], 0.5), ([" 2"], 2), (["1e-3"], 0.001), (["0x10"], 16),
      ([""], 0),
      (["-1"], -1),
    ] as [([String], Double)])
  func acceptsWhatStrtodConsumes(arguments: [String], delay: Double) throws {
    let parsed = try #require(TextMonitorArguments(arguments))
    #expect(parsed.delay == delay)
    #expect(parsed.repeats == (delay != 0))
  }

  @Test(arguments: [["x"], ["1 "], ["0.5s"], ["1", "2"], ["--help"]])
  func rejectsWhatStrtodDoesNotConsume(arguments: [String]) {
    #expect(TextMonitorArguments(arguments) == nil)
  }

  @Test(
    arguments: [
      ("0.5", 500_000), ("nan", 0), ("inf", 0), ("-1", 4_293_967_296), ("1e-9", 0),
      ("2", 2_000_000),
    ]
      as [(String, UInt32)])
  func sleepsAs34sUsleepDoes(argument: String, microseconds: UInt32) throws {
    let parsed = try #require(TextMonitorArguments([argument]))
    #expect(parsed.sleepMicroseconds == microseconds)
    #expect(parsed.repeats)
  }

  @Test func printsTheUsageOf34() {
    #expect(
      TextMonitorArguments.usage.hasPrefix("usage: distccmon-text [DELAY]\n\nDisplays current"))
    #expect(TextMonitorArguments.usage.hasSuffix("seconds.  Otherwise, runs just once.\n"))
  }
}

@Suite struct MonitorLogTests {
  let log = MonitorLog(program: "distccmon-text", pid: 42)

  @Test func formatsWarningsAs34sRsLog() {
    #expect(
      log.line(for: .wrongMagic(path: "/d/state/binstate_3"))
        == "distccmon-text[42] (dcc_mon_read_state) Warning: wrong magic number: /d/state/binstate_3\n"
    )
  }

  @Test func formatsDirectoryErrorsAs34Does() {
    #expect(
      log.line(for: DistStateError.system(operation: "mkdir", path: "/n/state", errno: 2))
        == "distccmon-text[42] (dcc_mkdir) ERROR: mkdir '/n/state' failed: No such file or directory\n"
    )
    #expect(
      log.line(for: DistStateError.homeNotSet)
        == "distccmon-text[42] (dcc_get_top_dir) Warning: HOME is not set; can't find distcc directory\n"
    )
  }
}
