import DistPosix
import DistProtocol
import DistTestSupport
import Foundation
import Glibc
import Testing

/// Job limits, disconnects, stalls, signals, inetd, temp files and the stats page.
@Suite(.serialized) struct DaemonLifecycleTests {
  /// A world whose daemon allows the fake compiler `slowcc` through DISTCC_CMDLIST.
  static func slowWorld(
    sleep seconds: Double, marker: String? = "OBJECT", options: [String] = [],
    environment: [String: String] = [:]
  )
    throws -> DaemonWorld
  {
    let world = try DaemonWorld()
    let compiler = try world.fakeCompiler("slowcc", sleep: seconds, marker: marker)
    try world.write("cmdlist", compiler + "\n")
    var env = environment
    env["DISTCC_CMDLIST"] = world.path("cmdlist")
    // The fake compiler records its pid outside its job directory, which the compiler sandbox forbids
    // (Docs/security.md): these tests are about the job's lifecycle, so they run it unconfined.
    try world.startDaemon(["--no-sandbox"] + options, environment: env)
    return world
  }

  static func compilerPid(_ world: DaemonWorld) -> pid_t? {
    guard let text = world.contents("slowcc.pid") else { return nil }
    return pid_t(
      String(decoding: text, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
  }

  static func waitForCompilerStart(_ world: DaemonWorld) -> pid_t? {
    let deadline = Date().addingTimeInterval(10)
    while Date() < deadline {
      if let pid = compilerPid(world) { return pid }
      usleep(20_000)
    }
    return nil
  }

  static func waitForExit(_ pid: pid_t, timeout: Double = 10) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if DaemonShutdownTests.isGone(pid) { return true }
      usleep(20_000)
    }
    return false
  }

  @Test func jobLifetimeKillsTheCompiler() throws {
    let world = try DaemonLifecycleTests.slowWorld(sleep: 30, options: ["--job-lifetime", "1"])
    let started = Date()
    let response = try world.reply(to: try DaemonWorld.request(compiler: "slowcc"))
    #expect(Date().timeIntervalSince(started) < 10)
    #expect(response.status == WaitStatus.exited(118))
    #expect(
      String(decoding: response.stderr, as: UTF8.self).contains(
        "Compilation takes too long, timeout."))
    #expect(response.object.isEmpty)
    let pid = try #require(DaemonLifecycleTests.compilerPid(world))
    #expect(DaemonLifecycleTests.waitForExit(pid), "the compiler's process group was killed")
    #expect(world.waitForSummaries("COMPILE_TIMEOUT"))
    #expect(world.waitForLog { _ in world.leftovers.isEmpty })
  }

  @Test func clientDisconnectKillsTheCompiler() throws {
    let world = try DaemonLifecycleTests.slowWorld(sleep: 30)
    let socket = try RawSocket()
    try socket.connect(host: "127.0.0.1", port: world.port)
    try socket.send(try DaemonWorld.request(compiler: "slowcc"))
    let pid = try #require(DaemonLifecycleTests.waitForCompilerStart(world))
    _ = consume socket
    #expect(DaemonLifecycleTests.waitForExit(pid), "the compiler was killed after the client left")
    #expect(world.waitForSummaries("CLI_DISCONN"))
    #expect(world.log.contains("Client fd disconnected, killing job"))
    #expect(world.waitForLog { _ in world.leftovers.isEmpty })
  }

  /// More stalled senders than --jobs do not delay a real compile: reading a request takes no slot.
  @Test func stalledClientsDoNotStarveTheFarm() throws {
    let world = try DaemonWorld()
    try world.startDaemon(["--jobs", "1"])
    let full = try DaemonWorld.request()
    var stalled: [RawSocket] = []
    for cut in [5, 12, 30, 40] {
      let socket = try RawSocket()
      try socket.connect(host: "127.0.0.1", port: world.port)
      try socket.send(Array(full.prefix(cut)))
      stalled.append(socket)
    }
    let started = Date()
    let result = try world.distcc(["gcc", "-c", "hello.c", "-o", "hello.o"])
    #expect(result.status == 0)
    #expect(world.waitForSummaries("COMPILE_OK"))
    #expect(Date().timeIntervalSince(started) < 10)
    #expect(stalled.count == 4)
  }

  /// The per-address cap closes extra connections without data; others are still served.
  @Test func perAddressConnectionCap() throws {
    let world = try DaemonWorld()
    try world.startDaemon(["--max-connections-per-address", "2", "--allow", "127.0.0.0/8"])
    var held: [RawSocket] = []
    for _ in 0..<2 {
      let socket = try RawSocket()
      try socket.connect(host: "127.0.0.1", port: world.port, from: "127.0.0.2")
      try socket.send(Array("DIST00000001".utf8))
      held.append(socket)
    }
    #expect(
      world.waitForLog { $0.components(separatedBy: "connection from 127.0.0.2").count - 1 >= 2 })
    let extra = try RawSocket()
    try extra.connect(host: "127.0.0.1", port: world.port, from: "127.0.0.2")
    try extra.send(Array("DIST00000001".utf8))
    #expect(extra.readToEnd(timeout: 10) == [], "closed without data")
    #expect(world.log.contains("too many connections"))
    let other = try world.reply(to: try DaemonWorld.request())
    #expect(other.status.isSuccess, "another address is still served")
    #expect(held.count == 2)
  }

  /// DISTCC_SAVE_TEMPS=1 keeps the job directory (input, object, stderr) for debugging.
  @Test func saveTempsKeepsTheJobDirectory() throws {
    let world = try DaemonWorld()
    try world.startDaemon(environment: ["DISTCC_SAVE_TEMPS": "1"])
    let response = try world.reply(to: try DaemonWorld.request(source: "int kept;\n"))
    #expect(response.status.isSuccess)
    #expect(world.waitForSummaries("COMPILE_OK"))
    let kept = world.leftovers.filter { $0.hasPrefix("distccd_") }
    #expect(kept.count == 1)
    let files =
      (try? FileManager.default.contentsOfDirectory(atPath: world.tmpdir + "/" + (kept.first ?? "")))
      ?? []
    #expect(Set(files).isSuperset(of: ["input.i", "output.o", "stderr", "stdout"]), "\(files)")
  }

  /// DISTCC_IO_TIMEOUT bounds a whole request: a stalled sender is dropped.
  @Test func stalledClientIsDroppedAfterTheIOTimeout() throws {
    let world = try DaemonWorld()
    try world.startDaemon(environment: ["DISTCC_IO_TIMEOUT": "1"])
    let socket = try RawSocket()
    try socket.connect(host: "127.0.0.1", port: world.port)
    try socket.send(Array("DIST00000001ARGC0000".utf8))
    let started = Date()
    let reply = socket.readToEnd(timeout: 10)
    #expect(reply == [], "closed without a reply")
    #expect(Date().timeIntervalSince(started) < 5)
    #expect(world.waitForSummaries("CLI_DISCONN"))
  }

  @Test func sigtermLetsAJobInFlightFinish() throws {
    let world = try DaemonLifecycleTests.slowWorld(sleep: 1.5)
    let socket = try RawSocket()
    try socket.connect(host: "127.0.0.1", port: world.port)
    try socket.send(try DaemonWorld.request(compiler: "slowcc"))
    _ = try #require(DaemonLifecycleTests.waitForCompilerStart(world))
    let daemonPid = try #require(world.daemonPid)
    kill(daemonPid, SIGTERM)
    let bytes = try #require(socket.readToEnd(timeout: 20))
    let response = try #require(try DaemonWorld.decode(bytes))
    #expect(response.status.isSuccess)
    #expect(response.object == Array("OBJECT".utf8))
    let (status, reason) = try #require(world.stopDaemon(0))
    #expect(reason == .uncaughtSignal && status == SIGTERM, "3.4 dies by the signal")
    #expect(world.log.contains("Terminated"))
    #expect(world.leftovers.isEmpty)
  }

  @Test func pidFileIsWrittenAndRemoved() throws {
    let world = try DaemonWorld()
    let pidFile = world.path("distccd.pid")
    try world.startDaemon(["--pid-file", pidFile])
    let text = String(decoding: world.contents("distccd.pid") ?? [], as: UTF8.self)
    #expect(text == "\(world.daemonPid ?? -1)\n")
    _ = world.stopDaemon(SIGTERM)
    #expect(world.contents("distccd.pid") == nil)
  }

  /// `--inetd` over a pipe (as SSH mode uses it): one job on stdin/stdout, served even with --allow.
  @Test(arguments: [[], ["--allow", "10.0.0.0/8"]])
  func inetdOverAPipe(extra: [String]) throws {
    let world = try DaemonWorld()
    let request = try DaemonWorld.request(.v2, source: "int answer(void) { return 42; }\n")
    let result = try world.runInetd(extra, request: request)
    #expect(result.exitCode == 0)
    let response = try #require(try DaemonWorld.decode(result.standardOutput, .v2))
    #expect(response.status.isSuccess)
    #expect(response.object.starts(with: [0x7f, 0x45, 0x4c, 0x46]), "an ELF object")
    #expect(world.log.contains("NOTSOCKET COMPILE_OK"))
    #expect(world.leftovers.isEmpty)
  }

  /// 1,000 jobs of every outcome leave nothing in TMPDIR.
  @Test func noTemporaryFilesLeftAfterManyJobs() throws {
    let world = try DaemonLifecycleTests.slowWorld(sleep: 0)
    let requests: [[UInt8]] = [
      try DaemonWorld.request(compiler: "slowcc"),
      try DaemonWorld.request(compiler: "notlisted"),
      try DaemonWorld.request(compiler: "slowcc", extra: ["-fplugin=x.so"]),
      Array(try DaemonWorld.request(compiler: "slowcc").prefix(40)),
      Array("garbage!garbage!".utf8),
    ]
    let jobs = 1000
    let failures = Mutex2(0)
    DispatchQueue.concurrentPerform(iterations: 4) { lane in
      for index in stride(from: lane, to: jobs, by: 4) {
        let bytes = requests[index % requests.count]
        guard let socket = try? RawSocket(),
          (try? socket.connect(host: "127.0.0.1", port: world.port)) != nil,
          (try? socket.send(bytes)) != nil
        else {
          failures.withLock { $0 += 1 }
          continue
        }
        // Only the truncated request needs an end of file: a half-close reads as a disconnect (as in 3.4).
        if index % requests.count == 3 { socket.shutdownWrite() }
        if socket.readToEnd(timeout: 20) == nil { failures.withLock { $0 += 1 } }
      }
    }
    #expect(failures.withLock { $0 } == 0)
    #expect(world.waitForSummaries("COMPILE_OK", count: jobs / requests.count, timeout: 30))
    #expect(world.waitForLog { _ in world.leftovers.isEmpty }, "left: \(world.leftovers.prefix(5))")
  }

  @Test func statsPageHasThe34Fields() throws {
    let world = try DaemonWorld()
    let statsPort = try DaemonWorld.freePort(on: "127.0.0.1")
    try world.startDaemon(["--stats", "--stats-port", "\(statsPort)"])
    let result = try world.distcc(["gcc", "-c", "hello.c", "-o", "hello.o"])
    #expect(result.status == 0)
    #expect(world.waitForSummaries("COMPILE_OK"))
    let page = try DaemonStatsPagesTests.fetch(statsPort, "GET / HTTP/1.0\r\n\r\n")
    #expect(page.hasPrefix("HTTP/1.0 200 OK\nContent-Type: text/plain\nConnection: close\n\n"))
    for line in [
      "<distccstats>", "dcc_tcp_accept 1", "dcc_compile_ok 1", "dcc_compile_error 0",
      "dcc_rej_bad_req 0",
      "dcc_longest_job hello.c", "dcc_longest_job_compiler x86_64-linux-gnu-gcc", "dcc_max_kids ",
      "dcc_load1 ", "dcc_num_compiles1 1", "dcc_max_RSS ", "dcc_free_space ", "</distccstats>",
    ] {
      #expect(page.contains(line), "missing \(line)")
    }
  }
}
