import DistPosix
import DistTestSupport
import HostSpec
import Testing

/// What 3.4 does with a TCP entry, seen from a listener the test owns on loopback: the address and port it
/// connects to, the protocol version it announces (`DIST0000000N`) and the lock file it takes must be what our
/// parse says. The listener reads the first 12 bytes and hangs up, so the client compiles locally (with `true`).
@Suite struct TCPConnectionTests {
  struct Row: Sendable, CustomTestStringConvertible {
    /// The entry, with `{port}` standing for the listener's port plus `portOffset`.
    var template: String
    var listenOn: String
    var portOffset = 0
    var version: Int
    var testDescription: String { template }
  }

  static let rows: [Row] = [
    Row(template: "127.0.0.1:{port}", listenOn: "127.0.0.1", version: 1),
    Row(template: "127.0.0.1/2:{port},lzo", listenOn: "127.0.0.1", version: 2),
    Row(template: "127.0.0.1:+{port}/3,lzofoo", listenOn: "127.0.0.1", version: 2),
    // Protocol 3 needs pump mode (an include server); without it a ,cpp host speaks 2.
    Row(template: "127.0.0.1:0{port}/4,lzo,cpp", listenOn: "127.0.0.1", version: 2),
    Row(template: "[::1]:{port},lzo", listenOn: "::1", version: 2),
    Row(template: "localhost:{port}", listenOn: "127.0.0.1", version: 1),
    // 3.4 connects to the port modulo 65536 (glibc's getaddrinfo); we record it and do not connect.
    Row(template: "127.0.0.1:{port}", listenOn: "127.0.0.1", portOffset: 65536, version: 1),
  ]

  @Test(
    .enabled(if: RealDistcc.isInstalled, "\(RealDistcc.path) is not installed"), arguments: rows)
  func connectsWhereOurParseSays(_ row: Row) throws {
    let directory = try TestDirectory()
    defer { withExtendedLifetime(directory) {} }
    let address = try #require(SocketAddress(numericHost: row.listenOn, port: 0))
    let listener = try Socket.listen(on: address)
    defer { listener.closeIgnoringErrors() }
    let port = try #require(try Socket.localAddress(listener)).port
    let spec = row.template.replacing("{port}", with: String(Int(port) + row.portOffset))

    let host = try #require(try HostList.parse(spec).hosts.first)
    guard case .tcp(_, let parsedPort) = host.kind else {
      Issue.record("\(spec) is not a TCP host")
      return
    }
    #expect(parsedPort == Int(port) + row.portOffset)
    #expect(host.connectPort == (row.portOffset == 0 ? port : nil))

    try directory.write("t.c", "int x;\n")
    let client = try BackgroundProcess(
      [
        RealDistcc.path, "true", "-c", directory.appending("t.c"), "-o", directory.appending("t.o"),
      ],
      environment: [
        "DISTCC_HOSTS": spec, "DISTCC_DIR": directory.path, "HOME": directory.path,
        "PATH": "/usr/bin:/bin",
      ], logPath: directory.appending("client.log"))
    defer { client.stop() }
    let (connection, _) = try Socket.accept(listener, deadline: .after(seconds: 20))
    var header = [UInt8](repeating: 0, count: 12)
    try header.withUnsafeMutableBytes {
      try connection.readExactly(into: $0, deadline: .after(seconds: 20))
    }
    connection.closeIgnoringErrors()
    let status = try client.waitForExit()

    #expect(String(decoding: header, as: UTF8.self) == "DIST0000000\(row.version)")
    #expect(host.protocolVersion == (host.options.cpp ? 3 : row.version))
    #expect(directory.list("lock").contains(host.lockName(slot: 0)))
    #expect(status.exitCode == 0, "\(client.log())")
  }
}
