import DistProtocol
import Foundation
import Glibc
import Testing

/// Access control (secure by default) and the compiler whitelist, against real clients.
@Suite(.serialized) struct DaemonAccessTests {
  struct AccessCase: CustomTestStringConvertible, Sendable {
    var options: [String]
    var destination: String
    var source: String?
    var served: Bool
    var testDescription: String {
      "\(options) from \(source ?? destination) → \(served ? "served" : "denied")"
    }
  }

  static let accessCases: [AccessCase] = [
    .init(options: [], destination: "127.0.0.1", source: "127.0.0.2", served: true),
    .init(options: [], destination: "::1", served: true),
    .init(
      options: ["--allow", "127.0.0.2"], destination: "127.0.0.1", source: "127.0.0.2", served: true
    ),
    .init(
      options: ["--allow", "127.0.0.2"], destination: "127.0.0.1", source: "127.0.0.3",
      served: false),
    .init(options: ["--allow", "127.0.0.2"], destination: "::1", served: false),
    .init(
      options: ["--allow", "127.0.0.0/30"], destination: "127.0.0.1", source: "127.0.0.3",
      served: true),
    .init(
      options: ["--allow", "127.0.0.0/31"], destination: "127.0.0.1", source: "127.0.0.3",
      served: false),
    .init(options: ["--allow-private"], destination: "::1", served: true),
    .init(options: ["--allow", "::1"], destination: "::1", served: true),
    .init(
      options: ["--allow", "::1"], destination: "127.0.0.1", source: "127.0.0.2", served: false),
    .init(
      options: ["--allow", "10.0.0.0/8"], destination: "127.0.0.1", source: "127.0.0.2",
      served: false),
  ]

  /// The daemon listens on `::` (dual stack), so IPv4 clients arrive as IPv4-mapped IPv6 peers.
  @Test(arguments: accessCases)
  func accessList(_ row: AccessCase) throws {
    let world = try DaemonWorld()
    try world.startDaemon(row.options, listen: "::")
    let reply = try world.exchange(
      try DaemonWorld.request(), host: row.destination, from: row.source)
    let bytes = try #require(reply)
    if row.served {
      let response = try #require(try DaemonWorld.decode(bytes))
      #expect(response.status.isSuccess)
      #expect(!response.object.isEmpty)
    } else {
      #expect(bytes.isEmpty, "a denied client gets no data")
      #expect(world.waitForLog { $0.contains("denied by access list") })
      #expect(!world.log.contains("dcc_job_summary"), "no job summary for a denied client")
    }
  }

  @Test func defaultAccessIsAnnouncedAtStartUp() throws {
    let world = try DaemonWorld()
    try world.startDaemon()
    #expect(world.log.contains("loopback only"))
  }

  /// A refused compiler (absolute path outside /usr/bin) must leave Debian's client compiling locally,
  /// also with DISTCC_SKIP_LOCAL_RETRY; with DISTCC_FALLBACK=0 the client fails, showing our reason.
  @Test(arguments: RefusalFallback.all)
  func whitelistRefusalFallsBackLocally(_ row: RefusalFallback) throws {
    let world = try DaemonWorld()
    let compiler = try world.fakeCompiler("mycc")
    try world.startDaemon()
    let result = try world.distcc(
      [compiler, "-c", "hello.c", "-o", "hello.o"], environment: row.environment)
    #expect(result.status == row.status, "\(result.stderr)")
    #expect((world.contents("hello.o") != nil) == row.compilesLocally)
    #expect(world.waitForSummaries("OTHER"))
    #expect(world.log.contains("cannot be an absolute path"))
    if !row.compilesLocally { #expect(result.stderr.contains("cannot be an absolute path")) }
  }

  @Test(arguments: [
    ("x86_64-linux-gnu-gcc", true), ("/usr/bin/gcc", true), ("/bin/gcc", true), ("gcc", true),
    ("/usr/local/bin/gcc", false), ("clang-99", false), ("../gcc", false), ("sh", false),
  ])
  func masqueradeWhitelist(compiler: String, allowed: Bool) throws {
    let world = try DaemonWorld()
    try world.startDaemon()
    let response = try world.reply(to: try DaemonWorld.request(compiler: compiler))
    #expect(response.status.isSuccess == allowed)
    if !allowed {
      #expect(response.status.exitCode == 150)
      #expect(String(decoding: response.stderr, as: UTF8.self).contains("distccd"))
    }
  }

  @Test(arguments: ["-fplugin=/tmp/evil.so", "-specs=/tmp/evil.specs"])
  func pluginAndSpecsAreRefused(option: String) throws {
    let world = try DaemonWorld()
    try world.startDaemon()
    let response = try world.reply(to: try DaemonWorld.request(extra: [option]))
    #expect(response.status.exitCode == 150)
    #expect(response.object.isEmpty)
    #expect(!response.stderr.isEmpty)
  }

  @Test func enableTcpInsecureSkipsTheNameCheck() throws {
    let world = try DaemonWorld()
    let compiler = try world.fakeCompiler("anycc", marker: "REMOTE")
    try world.startDaemon(["--enable-tcp-insecure"])
    let response = try world.reply(to: try DaemonWorld.request(compiler: compiler))
    #expect(response.status.isSuccess)
    #expect(response.object == Array("REMOTE".utf8))
  }

  /// DISTCC_CMDLIST maps the requested name to the listed full path; names not listed are refused and the
  /// client compiles locally.
  @Test(arguments: [(["remote/mycc"], "REMOTE"), (["remote/othercc"], "LOCAL")])
  func commandListMapsCompilers(listed: [String], expected: String) throws {
    let world = try DaemonWorld()
    try FileManager.default.createDirectory(
      atPath: world.path("remote"), withIntermediateDirectories: true)
    try FileManager.default.createDirectory(
      atPath: world.path("local"), withIntermediateDirectories: true)
    chmod(world.path("remote"), 0o755)
    _ = try world.fakeCompiler("remote/mycc", marker: "REMOTE")
    _ = try world.fakeCompiler("local/mycc", marker: "LOCAL")
    try world.write("cmdlist", listed.map { world.path($0) }.joined(separator: "\n") + "\n")
    try world.startDaemon(environment: ["DISTCC_CMDLIST": world.path("cmdlist")])
    let path =
      world.path("local") + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin")
    let result = try world.distcc(
      ["mycc", "-c", "hello.c", "-o", "out.o"], environment: ["PATH": path])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(world.contents("out.o") == Array(expected.utf8))
    #expect(world.waitForSummaries(expected == "REMOTE" ? "COMPILE_OK" : "OTHER"))
  }
}
