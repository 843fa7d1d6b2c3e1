import DistMonitor
import DistState
import Testing

@Suite struct FarmHistoryTests {
  static func record(
    _ pid: Int64, _ host: String, _ slot: Int32, _ phase: Phase, _ file: String = "a.c"
  )
    -> StateRecord
  {
    StateRecord(pid: pid, file: file, host: host, slot: slot, phase: phase)
  }

  @Test func opensASpanPerPhaseAndClosesItWhenThePhaseChanges() {
    var history = FarmHistory()
    history.observe([Self.record(10, "localhost", 0, .preprocess, "")], at: 1000)
    // unchanged: same span
    history.observe([Self.record(10, "localhost", 0, .preprocess, "")], at: 1100)
    history.observe([Self.record(10, "red", 1, .send)], at: 1200)
    history.observe([Self.record(10, "red", 1, .compile)], at: 1500)
    let spans = history.spans()
    #expect(spans.map(\.phase) == [.preprocess, .send, .compile])
    #expect(spans.map(\.start) == [1000, 1200, 1500])
    #expect(spans.map(\.end) == [1200, 1500, nil])
    #expect(spans.map(\.id) == [1, 2, 3])
    #expect(history.running == ["red": 1])
    #expect(history.lanes == ["localhost": [0], "red": [1]])
  }

  @Test func countsAJobWhenItsRecordDisappears() {
    var history = FarmHistory()
    history.observe(
      [Self.record(10, "red", 0, .send), Self.record(11, "blue", 0, .compile)], at: 0)
    history.observe(
      [Self.record(10, "red", 0, .receive), Self.record(11, "blue", 0, .compile)], at: 400)
    history.observe([Self.record(11, "blue", 0, .compile)], at: 1000)
    history.observe([], at: 3000)
    #expect(history.totals["red"]?.jobs == 1)
    #expect(history.totals["red"]?.averageMilliseconds == 1000)
    #expect(history.totals["blue"]?.averageMilliseconds == 3000)
    #expect(history.running.isEmpty)
    #expect(history.spans().allSatisfy { $0.end != nil })
  }

  @Test func countsAFallbackToLocalAsAFailureOfTheRemoteHost() {
    var history = FarmHistory()
    history.observe([Self.record(10, "red", 0, .compile)], at: 0)
    history.observe([Self.record(10, "localhost", 0, .compile)], at: 100)
    history.observe([Self.record(10, "localhost", 0, .compile)], at: 150)
    history.observe([], at: 300)
    #expect(
      history.totals["red"]
        == FarmHistory.HostTotals(jobs: 0, failures: 1, backoffs: 0, totalMilliseconds: 0))
    #expect(history.totals["localhost"]?.jobs == 1)
    #expect(history.totals["localhost"]?.totalMilliseconds == 300)
  }

  @Test func countsARetryOnAnotherHostAsAFailure() {
    var history = FarmHistory()
    history.observe([Self.record(10, "dead", 0, .connect)], at: 0)
    history.observe([Self.record(10, "localhost", 0, .preprocess, "")], at: 1000)
    history.observe([Self.record(10, "red", 1, .compile)], at: 1100)
    history.observe([], at: 1600)
    #expect(history.totals["dead"] == FarmHistory.HostTotals(failures: 1))
    #expect(history.totals["red"] == FarmHistory.HostTotals(jobs: 1, totalMilliseconds: 500))
  }

  @Test func keepsTheSpanOfAClientCaughtRewritingItsFile() {
    var history = FarmHistory()
    history.observe([Self.record(10, "red", 0, .compile)], at: 0)
    history.observe([], rewriting: [10], at: 100)
    history.observe([Self.record(10, "red", 0, .compile)], at: 200)
    #expect(history.spans().count == 1)
    #expect(history.totals["red"] == nil)
  }

  @Test func ignoresDoneRecords() {
    var history = FarmHistory()
    history.observe([Self.record(10, "red", 0, .done)], at: 0)
    #expect(history.spans().isEmpty)
  }

  @Test func returnsOnlySpansChangedSince() {
    var history = FarmHistory()
    history.observe([Self.record(1, "a", 0, .send)], at: 0)
    history.observe([Self.record(1, "a", 0, .compile)], at: 100)
    history.observe([Self.record(1, "a", 0, .receive)], at: 200)
    #expect(history.spans(since: 150).map(\.phase) == [.compile, .receive])
    #expect(history.spans(since: 250).map(\.phase) == [.receive])
  }

  @Test func keepsABoundedWindowAndSpanCount() {
    var history = FarmHistory(window: 1000, spanLimit: 50)
    for step in 0..<2000 {
      history.observe([Self.record(Int64(step), "h", 0, .compile)], at: Int64(step) * 10)
    }
    let spans = history.spans()
    #expect(spans.count <= 51)
    #expect(spans.first.map { $0.end! >= 19_990 - 1000 } == true)
    #expect(history.totals["h"]?.jobs == 1999)
  }

  @Test func countsEachNewBackoffMarkOnce() {
    var history = FarmHistory()
    let old = BackoffFile(host: "old", port: 3632, markedAt: 100)
    history.observe(
      [old, BackoffFile(host: "red", port: 3632, markedAt: 1000)], at: 1_010_000, period: 60)
    #expect(history.totals["red"]?.backoffs == 1)
    #expect(history.totals["old"]?.backoffs == nil)  // expired before the monitor started
    #expect(history.backedOff == ["red": 1000])
    history.observe(
      [old, BackoffFile(host: "red", port: 3632, markedAt: 1000)], at: 1_020_000, period: 60)
    #expect(history.totals["red"]?.backoffs == 1)
    history.observe(
      [BackoffFile(host: "red", port: 3632, markedAt: 1030)], at: 1_030_000, period: 60)
    #expect(history.totals["red"]?.backoffs == 2)
    history.observe(
      [BackoffFile(host: "red", port: 3632, markedAt: 1030)], at: 1_100_000, period: 60)
    #expect(history.backedOff.isEmpty)
  }
}

@Suite struct BackoffFileTests {
  @Test(arguments: [
    ("backoff_tcp_127.0.0.1_3632_0", "127.0.0.1", 3632 as Int?),
    ("backoff_tcp_::1_1_0", "::1", 1), ("backoff_tcp_my_host_99_0", "my_host", 99),
    ("backoff_ssh_red_0", "red", nil), ("backoff_ssh_a_b_0", "a_b", nil),
  ])
  func parsesBackoffNames(name: String, host: String, port: Int?) throws {
    let file = try #require(BackoffFile(fileName: name, markedAt: 5))
    #expect(file.host == host)
    #expect(file.port == port)
  }

  @Test(arguments: [
    "cpu_tcp_red_3632_0", "backoff_tcp_red_0", "backoff_tcp_red_x_0", "backoff_ssh__0",
    "backoff_tcp_1_1",
  ])
  func ignoresOtherNames(name: String) {
    #expect(BackoffFile(fileName: name, markedAt: 0) == nil)
  }

  @Test func isActiveForThePeriod() {
    let file = BackoffFile(host: "h", port: 1, markedAt: 100)
    #expect(file.isActive(now: 159, period: 60))
    #expect(!file.isActive(now: 160, period: 60))
    #expect(!file.isActive(now: 100, period: 0))
  }
}

@Suite struct FarmHistoryScaleTests {
  /// A build of a thousand jobs, each through five phases on one of 8 hosts × 4 slots, sampled every
  /// 50 ms: the history stays bounded and a poll's JSON covers only what changed.
  @Test func staysBoundedWithAThousandJobs() {
    var history = FarmHistory(window: 10 * 60 * 1000, spanLimit: 3000)
    let phases: [Phase] = [.preprocess, .connect, .send, .compile, .receive]
    var now: Int64 = 0
    var finished = 0
    let clock = ContinuousClock()
    let elapsed = clock.measure {
      for wave in 0..<(1000 / 32) + 1 {
        for phase in phases {
          now += 50
          let records = (0..<32).compactMap { lane -> StateRecord? in
            let job = wave * 32 + lane
            guard job < 1000 else { return nil }
            return StateRecord(
              pid: Int64(10_000 + job), file: "file\(job).c",
              host: phase == .preprocess ? "localhost" : "host\(lane % 8)",
              slot: Int32(lane / 8), phase: phase)
          }
          history.observe(records, at: now)
        }
        finished = min(1000, (wave + 1) * 32)
      }
      history.observe([], at: now + 50)
    }
    #expect(finished == 1000)
    #expect((0..<8).reduce(0) { $0 + (history.totals["host\($1)"]?.jobs ?? 0) } == 1000)
    #expect(history.spans().count <= 3000)
    let snapshot = FarmSnapshot(now: now, history: history)
    let full = snapshot.json()
    let recent = snapshot.json(since: now - 100)
    #expect(recent.utf8.count * 10 < full.utf8.count)
    #expect(elapsed < .seconds(5))
  }
}
