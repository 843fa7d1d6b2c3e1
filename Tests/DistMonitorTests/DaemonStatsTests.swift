import DistMonitor
import DistTestSupport
import Glibc
import Testing

@Suite struct DaemonStatsTests {
  /// The page of a real 3.4 daemon (`daemon.md` §7).
  static let page = """
    HTTP/1.0 200 OK
    Content-Type: text/plain
    Connection: close

    argv /distccd
    <distccstats>
    dcc_tcp_accept 4
    dcc_rej_bad_req 1
    dcc_compile_ok 1
    dcc_compile_error 1
    dcc_longest_job hello.c
    dcc_max_kids 3
    dcc_current_load 2
    dcc_load1 0.08
    dcc_num_compiles1 0
    dcc_free_space 81546 MB
    </distccstats>

    """

  @Test func parses34sPage() throws {
    let stats = try DaemonStats(page: Self.page)
    #expect(stats.capacity == 3)
    #expect(stats.runnable == 2)
    #expect(stats.load1 == 0.08)
    #expect(stats.compiledOK == 1)
    #expect(stats.compileErrors == 1)
    #expect(stats.recentJobs == 0)
    #expect(stats["dcc_free_space"] == "81546 MB")
    #expect(stats.fields.first?.name == "dcc_tcp_accept")
    #expect(stats.fields.count == 10)
  }

  @Test func readsAnUnavailableLoadAsNil() throws {
    #expect(try DaemonStats(page: "<distccstats>\ndcc_load1 -1.00\n</distccstats>\n").load1 == nil)
  }

  @Test(arguments: ["", "HTTP/1.0 200 OK\n\nhello", "<distccstats>\ndcc_max_kids 3\n"])
  func rejectsOtherPages(page: String) {
    #expect(throws: DaemonStatsError.notAStatsPage) { try DaemonStats(page: page) }
  }

  @Test(arguments: [
    ("127.0.0.2:3633", "127.0.0.2", 3633 as UInt16), ("[::1]:9", "::1", 9), ("red:1", "red", 1),
  ])
  func parsesSources(text: String, host: String, port: UInt16) throws {
    let source = try DaemonStatsSource(text)
    #expect(source.host == host)
    #expect(source.port == port)
  }

  @Test(arguments: ["red", "red:", ":3633", "red:0", "red:70000", "red:x"])
  func rejectsBadSources(text: String) {
    #expect(throws: DaemonStatsError.badAddress(text)) { try DaemonStatsSource(text) }
  }

  @Test func reportsAnUnreachableDaemon() throws {
    let port = try FreePort.pick()
    let source = try DaemonStatsSource("127.0.0.1:\(port)")
    #expect(throws: DaemonStatsError.self) { try source.fetch(timeoutMilliseconds: 1000) }
  }

  @Test(.enabled(if: Binaries.hasDebianDistcc, "needs Debian's distccd"))
  func fetchesTheStatsOfARealDaemon() throws {
    let directory = try TestDirectory()
    let endpoint = try LoopbackAddress.pick()
    var statsPort = try FreePort.pick(on: endpoint.address)
    while statsPort == endpoint.port { statsPort = try FreePort.pick(on: endpoint.address) }
    // Ready once 3.4's stats server, which binds its port on its own after the compile port, has started.
    let daemon = try TestDaemon(
      .debian, listen: endpoint.address, port: Int(endpoint.port),
      arguments: [
        "--allow", "127.0.0.0/8", "--jobs", "3", "--stats", "--stats-port", "\(statsPort)",
      ],
      logPath: directory.appending("distccd.log"))
    defer { daemon.stop() }
    let stats = try DaemonStatsSource("\(endpoint.address):\(statsPort)").fetch()
    #expect(stats.capacity == 3)
    #expect(stats.compiledOK == 0)
    #expect(stats["dcc_longest_job"] == "none")
  }
}
