import DistPosix
import Testing

@testable import ServerCore

struct JobSummaryTests {
  @Test(arguments: [
    (
      JobSummary(result: .compileOK, compiler: "gcc", source: "hello.c"),
      "client: 127.0.0.1:5 COMPILE_OK exit:0 sig:0 core:0 ret:0 time:0ms gcc hello.c"
    ),
    (
      JobSummary(result: .compileError, status: 1 << 8, compiler: "cc", source: "x.c"),
      "client: 127.0.0.1:5 COMPILE_ERROR exit:1 sig:0 core:0 ret:0 time:0ms cc x.c"
    ),
    (
      JobSummary(result: .compileError, status: 11 | 0x80, compiler: "cc", source: "x.c"),
      "client: 127.0.0.1:5 COMPILE_ERROR exit:0 sig:11 core:1 ret:0 time:0ms cc x.c"
    ),
    (
      JobSummary(result: .badRequest, code: .protocolError),
      "client: 127.0.0.1:5 REJ_BAD_REQ exit:0 sig:0 core:0 ret:109 time:0ms "
    ),
    (
      JobSummary(result: .compileTimeout, status: 118 << 8, milliseconds: 2011),
      "client: 127.0.0.1:5 COMPILE_TIMEOUT exit:118 sig:0 core:0 ret:0 time:2011ms "
    ),
  ])
  func summaryLine(summary: JobSummary, expected: String) {
    #expect(
      summary.line(peer: PeerAddress(.ipv4(address: 0x7f00_0001, port: 5)).description) == expected)
  }

  @Test(
    arguments: [
      (PeerAddress(.ipv4(address: 0x7f00_0001, port: 80)), "127.0.0.1:80", [127, 0, 0, 1]),
      (
        PeerAddress(.ipv6(address: .loopback, port: 3632)), "::1:3632",
        [UInt8](repeating: 0, count: 15) + [1]
      ),
      (
        PeerAddress(SocketAddress(numericHost: "::ffff:10.1.2.3", port: 7)), "::ffff:10.1.2.3:7",
        [UInt8](repeating: 0, count: 10) + [0xff, 0xff, 10, 1, 2, 3]
      ),
      (PeerAddress(.unix(path: "")), "UNIX-DOMAIN ", nil),
      (PeerAddress(nil), "NOTSOCKET", nil),
    ] as [(PeerAddress, String, [UInt8]?)])
  func peerNames(peer: PeerAddress, expected: String, bytes: [UInt8]?) {
    #expect(peer.description == expected)
    #expect(peer.addressBytes == bytes)
  }

  @Test(arguments: [
    ("err", ServerLogger.Level.error), ("warn", .warning), ("notice", .notice), ("debug", .debug),
    ("crit", .critical),
  ])
  func logLevels(name: String, level: ServerLogger.Level) {
    #expect(ServerLogger.Level(name: name) == level)
  }

  @Test func statsPageCountsResults() {
    let statistics = ServerStatistics(maxKids: 4, temporaryDirectory: "/tmp")
    statistics.connectionAccepted()
    statistics.connectionAccepted()
    statistics.record(
      JobSummary(result: .compileOK, milliseconds: 23, compiler: "gcc", source: "a.c"),
      started: .now)
    statistics.record(JobSummary(result: .badRequest, code: .protocolError), started: .now)
    let page = statistics.page(argv0: "/distccd")
    for line in [
      "dcc_tcp_accept 2", "dcc_compile_ok 1", "dcc_rej_bad_req 1", "dcc_longest_job a.c",
      "dcc_longest_job_compiler gcc", "dcc_longest_job_time_msecs 23", "dcc_max_kids 4",
      "dcc_num_compiles1 1",
    ] {
      #expect(page.contains("\n\(line)\n"), "\(line)")
    }
  }
}
