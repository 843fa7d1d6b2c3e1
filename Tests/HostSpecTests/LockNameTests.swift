import DistTestSupport
import HostSpec
import Testing

@Suite struct LockNameTests {
  struct Row: Sendable, CustomTestStringConvertible {
    var spec: String
    var slot: Int
    var lock: String
    var backoff: String
    var testDescription: String { "\"\(spec)\" slot \(slot)" }
  }

  /// Names as `client.md` §6.1 and the real client's lock directory show them.
  static let rows: [Row] = [
    Row(spec: "localhost", slot: 0, lock: "cpu_localhost_0", backoff: "backoff_localhost_0"),
    Row(spec: "localhost/4", slot: 3, lock: "cpu_localhost_3", backoff: "backoff_localhost_0"),
    Row(
      spec: "127.0.0.1:36320", slot: 0, lock: "cpu_tcp_127.0.0.1_36320_0",
      backoff: "backoff_tcp_127.0.0.1_36320_0"),
    Row(spec: "red/8", slot: 7, lock: "cpu_tcp_red_3632_7", backoff: "backoff_tcp_red_3632_0"),
    Row(spec: "[::1]:1", slot: 0, lock: "cpu_tcp_::1_1_0", backoff: "backoff_tcp_::1_1_0"),
    Row(
      spec: "red:99999", slot: 1, lock: "cpu_tcp_red_99999_1", backoff: "backoff_tcp_red_99999_0"),
    Row(spec: "red:+80,lzo", slot: 0, lock: "cpu_tcp_red_80_0", backoff: "backoff_tcp_red_80_0"),
    Row(
      spec: "alice@127.0.0.1:/opt/distccd", slot: 2, lock: "cpu_ssh_127.0.0.1_2",
      backoff: "backoff_ssh_127.0.0.1_0"),
    Row(spec: "red#x", slot: 0, lock: "cpu_tcp_red#x_3632_0", backoff: "backoff_tcp_red#x_3632_0"),
  ]

  @Test(arguments: rows)
  func namesFilesLikeDistcc34(_ row: Row) throws {
    let host = try #require(try HostList.parse(row.spec).hosts.first)
    #expect(host.lockName(slot: row.slot) == row.lock)
    #expect(host.backoffName == row.backoff)
  }

  @Test func localPoolsShareTheLocalhostLocks() {
    #expect(HostEntry.localLockName(slot: 5) == "cpu_localhost_5")
  }

  /// The real client, compiling with hosts that all fail, creates the slot-0 lock and the backoff file of every
  /// host it tries (each failure moves it to the next), plus `cpu_localhost_0` for the local fallback.
  @Test(.enabled(if: RealDistcc.isInstalled, "\(RealDistcc.path) is not installed"))
  func matchesTheFilesTheRealClientCreates() throws {
    let directory = try TestDirectory()
    defer { withExtendedLifetime(directory) {} }
    try directory.write("t.c", "int x;\n")
    // Connections are refused on loopback port 1 (65537 is port 1 to getaddrinfo); `ssh` is `false`, which
    // breaks the pipe; the last name does not resolve, which ends the retries.
    let spec =
      "[::1]:1 127.0.0.1:65537/2 a@127.0.0.1:false @127.0.0.2:cmd 127.0.0.2:1/3 127.0.0.1#x:1"
    let list = try HostList.parse(spec)
    let environment = [
      "DISTCC_HOSTS": spec, "DISTCC_DIR": directory.path, "HOME": directory.path,
      "DISTCC_SSH": "false",
      "PATH": "/usr/bin:/bin",
    ]
    let output = try RealDistcc.run(
      .init(
        arguments: ["true", "-c", directory.path + "/t.c", "-o", directory.path + "/t.o"],
        environment: environment)
    )
    #expect(output.exitCode == 0, "\(output.stderr)")

    let created = Set(directory.list("lock"))
    var expected: Set<String> = [HostEntry.localLockName(slot: 0)]
    for host in list.hosts {
      expected.insert(host.lockName(slot: 0))
      expected.insert(host.backoffName)
    }
    #expect(created == expected)
  }
}
