import HostSpec
import Testing

@testable import ClientCore

private func tcp(_ name: String, limit: Int = 2, down: Bool = false) -> HostEntry {
  var host = HostEntry(kind: .tcp(host: name, port: 3632), limit: limit, displayName: name)
  host.options.down = down
  return host
}

private func key(_ name: String) -> String { "cpu_tcp_\(name)_3632" }

/// One ranking case: hosts in list order, what is known about them, and the expected first slots tried.
struct RankingCase: Sendable, CustomStringConvertible {
  var description: String
  var hosts: [HostEntry]
  var records: [String: HostRecord] = [:]
  var loads: [String: HostLoad] = [:]
  var now = 1_000_000
  /// `host:slot` in the expected order (a prefix of the full order).
  var expected: [String]
}

private let rankingCases: [RankingCase] = [
  RankingCase(
    description: "no history: 3.4's order, slot 0 of every host before slot 1 of any",
    hosts: [tcp("a"), tcp("b"), tcp("c")], expected: ["a:0", "b:0", "c:0", "a:1", "b:1", "c:1"]),
  RankingCase(
    description: "a host twice as fast fills its second slot before a slow host's first",
    hosts: [tcp("slow"), tcp("fast")],
    records: [key("slow"): HostRecord(averageMilliseconds: 600, samples: 5),
      key("fast"): HostRecord(averageMilliseconds: 300, samples: 5)],
    expected: ["fast:0", "fast:1", "slow:0", "slow:1"]),
  RankingCase(
    description: "hosts within the slot penalty of each other still spread one job per host first",
    hosts: [tcp("a"), tcp("b")],
    records: [key("a"): HostRecord(averageMilliseconds: 330, samples: 5),
      key("b"): HostRecord(averageMilliseconds: 300, samples: 5)],
    expected: ["b:0", "a:0", "b:1", "a:1"]),
  RankingCase(
    description: "a host never timed counts as a little faster than the fastest known, so it gets tried",
    hosts: [tcp("old"), tcp("new")],
    records: [key("old"): HostRecord(averageMilliseconds: 400, samples: 9)],
    expected: ["new:0", "old:0", "new:1", "old:1"]),
  RankingCase(
    description: "a recent failure pushes a host back",
    hosts: [tcp("flaky"), tcp("ok")],
    records: [key("flaky"): HostRecord(averageMilliseconds: 300, samples: 5, failures: 1, lastFailure: 999_990),
      key("ok"): HostRecord(averageMilliseconds: 300, samples: 5)],
    expected: ["ok:0", "ok:1", "flaky:0", "flaky:1"]),
  RankingCase(
    description: "a failure older than a minute is forgotten",
    hosts: [tcp("flaky"), tcp("ok")],
    records: [key("flaky"): HostRecord(averageMilliseconds: 300, samples: 5, failures: 3, lastFailure: 999_000),
      key("ok"): HostRecord(averageMilliseconds: 300, samples: 5)],
    expected: ["flaky:0", "ok:0", "flaky:1", "ok:1"]),
  RankingCase(
    description: "a machine running more processes than it has slots is avoided",
    hosts: [tcp("busy"), tcp("idle")],
    loads: [key("busy"): HostLoad(maxKids: 2, runnable: 6), key("idle"): HostLoad(maxKids: 2, runnable: 1)],
    expected: ["idle:0", "idle:1", "busy:0", "busy:1"]),
  RankingCase(
    description: "limits: a /1 host has one slot, /0 and ,down hosts none",
    hosts: [tcp("one", limit: 1), tcp("zero", limit: 0), tcp("down", down: true), tcp("three", limit: 3)],
    expected: ["one:0", "three:0", "three:1", "three:2"]),
]

@Test(arguments: rankingCases)
func rankingOrdersSlotsByExpectedFinish(_ testCase: RankingCase) {
  let order = HostRanking().candidates(
    testCase.hosts, history: HostHistory(records: testCase.records), loads: testCase.loads,
    now: testCase.now)
  let names = order.map { "\($0.host.displayName):\($0.slot)" }
  #expect(Array(names.prefix(testCase.expected.count)) == testCase.expected)
  #expect(names.count == testCase.hosts.filter { !$0.options.down }.map { max(0, $0.limit) }.reduce(0, +))
}

@Test(arguments: [
  (samples: [300], average: 300.0),
  (samples: [300, 600], average: 390.0),
  (samples: [1000, 100, 100, 100], average: 1000 * 0.343 + 100 * 0.657),
])
func recordsAverageRecentJobTimes(samples: [Int], average: Double) {
  var record = HostRecord(failures: 2, lastFailure: 5)
  for sample in samples { record.recordCompletion(milliseconds: sample) }
  #expect(abs(record.averageMilliseconds - average) < 0.001)
  #expect(record.samples == samples.count)
  #expect(record.failures == 0, "a completed job clears the failure count")
}

@Test func historyFileRoundTripsAndSkipsDamagedLines() {
  let text = """
    cpu_tcp_a_3632 300 4 0 0
    garbage line
    cpu_tcp_b_3632 -5 1 0 0
    cpu_tcp_c_3632 nan 1 0 0
    cpu_ssh_d 1250 7 2 1700000000

    """
  let history = HostHistory(text: text)
  #expect(history.records.count == 2)
  #expect(history.records["cpu_ssh_d"] == HostRecord(averageMilliseconds: 1250, samples: 7, failures: 2, lastFailure: 1_700_000_000))
  #expect(
    history.text
      == "cpu_ssh_d      1250       7    2 1700000000\ncpu_tcp_a_3632       300       4    0          0\n")
  #expect(HostHistory(text: history.text) == history)
  #expect(HostHistory.key(tcp("red")) == "cpu_tcp_red_3632")
}

@Test func slotWaitGrowsFromMillisecondsToItsCapAndStaysRandom() {
  var wait = SlotWait(initialMilliseconds: 2, maximumMilliseconds: 50)
  var generator = SystemRandomNumberGenerator()
  var pauses: [Int] = []
  for _ in 0..<20 { pauses.append(wait.nextPauseMicroseconds(using: &generator)) }
  #expect(pauses[0] >= 1000 && pauses[0] <= 2000)
  #expect(pauses.allSatisfy { $0 <= 50_000 })
  #expect(pauses.suffix(5).allSatisfy { $0 >= 25_000 }, "\(pauses)")
  #expect(wait.currentMilliseconds == 50)
  #expect(pauses.reduce(0, +) < 1_000_000, "twenty busy rounds wait less than 3.4's single second")
}

@Test(arguments: [
  ("HTTP/1.0 200 OK\nContent-Type: text/plain\n\n<distccstats>\ndcc_max_kids 4\ndcc_current_load 9\n</distccstats>\n", HostLoad(maxKids: 4, runnable: 9) as HostLoad?),
  ("<distccstats>\ndcc_max_kids 2\ndcc_current_load 1\ndcc_load1 0.08\n</distccstats>", HostLoad(maxKids: 2, runnable: 1)),
  ("<distccstats>\ndcc_max_kids 0\ndcc_current_load 1\n</distccstats>", nil),
  ("dcc_max_kids 2\ndcc_current_load 1\n", nil),
  ("HTTP/1.0 404 Not Found\n\n", nil),
])
func statsPagesGiveSlotsAndLoad(page: String, expected: HostLoad?) {
  #expect(HostLoad(page: page) == expected)
}

@Test(arguments: [(kids: 2, runnable: 0, slowdown: 1.0), (kids: 2, runnable: 2, slowdown: 1.0),
  (kids: 2, runnable: 4, slowdown: 2.0), (kids: 4, runnable: 6, slowdown: 1.5)])
func overloadSlowsAHostDown(kids: Int, runnable: Int, slowdown: Double) {
  #expect(HostLoad(maxKids: kids, runnable: runnable).slowdown == slowdown)
}
