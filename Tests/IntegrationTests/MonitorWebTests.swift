import DistPosix
import DistTestSupport
import Foundation
import Glibc
import SystemPackage
import Testing

/// `distccmon-web` watching a real build: Debian's 3.4 client compiling through two 3.4 daemons on
/// loopback (started with `--stats`) and one host that hangs up without replying, checked through the JSON API
/// and in headless Chromium.
@Suite(.enabled(if: Binaries.hasDebianDistcc, "needs Debian's distcc and distccd"))
struct MonitorWebTests {
  static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { (path: String) in
    access(path, X_OK) == 0
  }

  /// Two 3.4 daemons, then one of 3.4's and one of ours: both serve the `<distccstats>` page.
  static let daemonPairs: [[TestDaemon.Kind]] = [[.debian, .debian], [.debian, .ours]]

  @Test(arguments: daemonPairs)
  func showsARealBuildThroughTwoDaemons(_ daemonKinds: [TestDaemon.Kind]) throws {
    let farm = try WebFarm(files: 12, daemonKinds: daemonKinds)
    try farm.build()

    // Every job ran on one of the daemons or, after the dead host refused, locally.
    let document = try farm.state()
    if let path = ProcessInfo.processInfo.environment["MONITOR_DUMP"] {
      try JSONSerialization.data(withJSONObject: document).write(to: URL(fileURLWithPath: path))
    }
    let hosts = try #require(document["hosts"] as? [[String: Any]])
    let byName = Dictionary(
      uniqueKeysWithValues: hosts.compactMap { host in (host["name"] as? String).map { ($0, host) }
      })
    for daemon in farm.daemonHosts {
      let host = try #require(byName[daemon], "\(daemon) missing from \(hosts)")
      #expect((host["jobs"] as? Int ?? 0) >= 1, "\(host)")
      #expect((host["stats"] as? [String: Any])?["capacity"] as? Int == 2, "\(host)")
      #expect((host["slots"] as? [Int])?.isEmpty == false)
    }
    let dead = try #require(byName[farm.deadHost], "\(hosts)")
    // one mark per failed client, in different seconds
    #expect((dead["backoffs"] as? Int ?? 0) >= 1)
    #expect(dead["backedOffUntil"] is Int64)
    #expect((dead["failures"] as? Int ?? 0) >= 1)
    let jobs = hosts.reduce(0) { $0 + ($1["jobs"] as? Int ?? 0) }
    #expect(jobs == farm.files)
    #expect(hosts.map { $0["name"] as? String } == farm.daemonHosts + [farm.deadHost, "localhost"])
    #expect(hosts.map { $0["configured"] as? Bool } == [true, true, true, false])
    let spans = try #require(document["spans"] as? [[String: Any]])
    #expect(spans.allSatisfy { $0["end"] is Int64 })  // the build is over
    #expect(Set(spans.compactMap { $0["phase"] as? String }).isSuperset(of: ["Compile"]))
    #expect(
      Set(spans.compactMap { $0["file"] as? String }).isSuperset(
        of: (0..<farm.files).map { "f\($0).c" }))

    guard let chromium = Self.chromium else { return }
    // The page fills itself in from its first poll; on a loaded machine a dump can come before it, so a
    // dump missing the data is taken again (at most three times).
    let expected =
      farm.daemonHosts.map { "<td>\($0)<span" } + [
        "<td>\(farm.deadHost)<span", "backed off", "spans · updated",
      ]
    var dom = try Self.dumpDOM(chromium, farm.url)
    for _ in 0..<2 where !expected.allSatisfy(dom.stdout.contains) {
      dom = try Self.dumpDOM(chromium, farm.url)
    }
    #expect(dom.exitCode == 0, "\(dom)")
    for text in expected { #expect(dom.stdout.contains(text), "\(text) not in \(dom.stdout)") }
    let console = dom.stderr.split(separator: "\n").filter {
      $0.contains(":CONSOLE") || $0.contains("Uncaught")
    }
    #expect(console.isEmpty, "\(console)")

    let screenshot =
      ProcessInfo.processInfo.environment["MONITOR_SCREENSHOT"]
      ?? farm.directory.appending("monitor.png")
    let shot = try TestProcess.run(
      [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
        "--window-size=1280,720",
        "--virtual-time-budget=4000", "--screenshot=\(screenshot)", farm.url,
      ], timeout: 120)
    #expect(shot.exitCode == 0, "\(shot)")
    let png = try FileContents.read(screenshot)
    #expect(png.starts(with: [0x89, 0x50, 0x4e, 0x47]))
  }
}

extension MonitorWebTests {
  static func dumpDOM(_ chromium: String, _ url: String) throws -> CommandResult {
    try TestProcess.run(
      [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
        "--virtual-time-budget=4000", "--dump-dom", url,
      ], timeout: 120)
  }
}

/// Two 3.4 daemons with `--stats`, a failing host, a slow compiler, our web monitor, and a build to run.
final class WebFarm {
  let directory: TestDirectory
  let files: Int
  /// The daemons' addresses and the failing host's, picked at run time in the byte-wise order the monitor
  /// lists hosts in.
  let daemonHosts: [String]
  let deadHost: String
  private var daemons: [TestDaemon] = []
  private var monitor: BackgroundProcess!
  private var hostList: [String] = []
  private var listener: FileDescriptor?
  private(set) var url = ""
  private let monitorPort: UInt16

  init(files: Int, daemonKinds: [TestDaemon.Kind]) throws {
    self.files = files
    let hosts = try LoopbackAddress.pick(3).sorted {
      Array($0.address.utf8).lexicographicallyPrecedes(Array($1.address.utf8))
    }
    daemonHosts = hosts.prefix(2).map(\.address)
    deadHost = hosts[2].address
    directory = try TestDirectory(prefix: "monitor-web-")
    chmod(directory.path, 0o755)
    // Compiling (not preprocessing) takes a moment, so every phase is seen.
    _ = try directory.write(
      "slowcc", "#!/bin/sh\ncase \" $* \" in *\" -E \"*) ;; *) sleep 0.4;; esac\nexec gcc \"$@\"\n",
      mode: 0o755)
    for index in 0..<files {
      _ = try directory.write("f\(index).c", "int f\(index)(int x) { return x * \(index); }\n")
    }
    try directory.makeDirectories(directory.appending("distcc"))
    var statsSources: [String] = []
    for (endpoint, kind) in zip(hosts, daemonKinds) {
      let host = endpoint.address
      var statsPort = try FreePort.pick(on: host)
      while statsPort == endpoint.port { statsPort = try FreePort.pick(on: host) }
      let daemon = try TestDaemon(
        kind, listen: host, port: Int(endpoint.port),
        arguments: [
          "--allow", "127.0.0.0/8", "--jobs", "2", "--enable-tcp-insecure", "--stats",
          "--stats-port",
          "\(statsPort)",
        ], logPath: directory.appending("distccd-\(host).log"))
      daemons.append(daemon)
      hostList.append("\(daemon.hostSpec)/2")
      statsSources.append("\(host):\(statsPort)")
    }
    // The failing host accepts and hangs up after a second without replying: the client's attempt lasts
    // long enough for the monitor to see it (a refused connect is over in microseconds, between two polls).
    let deadPort = hosts[2].port
    let listener = try Socket.listen(
      on: try #require(SocketAddress(numericHost: deadHost, port: deadPort)))
    self.listener = listener
    try PosixThread.detach {
      while let (connection, _) = try? Socket.accept(listener, deadline: .never) {
        try? PosixThread.detach {
          usleep(1_000_000)
          connection.closeIgnoringErrors()
        }
      }
    }
    hostList.append("\(deadHost):\(deadPort)/2")
    monitorPort = try FreePort.pick()
    monitor = try BackgroundProcess(
      [Binaries.ours("distccmon-web"), "--port", "\(monitorPort)"]
        + statsSources.flatMap { ["--daemon-stats", $0] },
      environment: [
        "DISTCC_DIR": directory.appending("distcc"), "PATH": "/usr/bin:/bin",
        "DISTCC_HOSTS": hostList.joined(separator: " "),
      ],
      logPath: directory.appending("distccmon-web.log"))
    try monitor.waitForLog("serving http://")
    url = "http://127.0.0.1:\(monitorPort)/"
  }

  deinit {
    // Ends the failing host's accept loop: shutdown wakes the thread blocked in poll on the listener, whose
    // accept then fails; only then is the descriptor closed.
    if let listener {
      try? Socket.shutdownBoth(listener)
      listener.closeIgnoringErrors()
    }
    _ = monitor?.stop()
    for daemon in daemons { _ = daemon.stop(signal: SIGKILL) }
  }

  /// Compiles every file at once with Debian's client, then waits for the monitor to see the last job end.
  func build() throws {
    let commands = (0..<files).map { "distcc \(directory.path)/slowcc -c f\($0).c -o f\($0).o &" }
      .joined(separator: "\n")
    let result = try TestProcess.run(
      ["/bin/sh", "-c", commands + "\nwait\n"],
      environment: [
        "PATH": "/usr/bin:/bin", "DISTCC_DIR": directory.appending("distcc"),
        "DISTCC_HOSTS": hostList.joined(separator: " "),
      ], directory: directory.path, timeout: 120)
    #expect(result.exitCode == 0, "\(result)")
    for index in 0..<files { #expect(directory.exists("f\(index).o")) }
    let deadline = Deadline.after(seconds: 20)
    while !deadline.hasPassed {
      let hosts = (try? state()["hosts"] as? [[String: Any]]) ?? []
      if hosts.reduce(0, { $0 + ($1["jobs"] as? Int ?? 0) }) >= files
        && hosts.allSatisfy({ ($0["running"] as? Int) == 0 })
        && hosts.contains(where: { $0["stats"] is [String: Any] })
      {
        return
      }
      usleep(50_000)
    }
  }

  /// One HTTP request; the head and the body of the reply (3.4's stats page ends lines with a bare `\n`).
  static func get(_ path: String, host: String, port: UInt16) throws -> (String, [UInt8]) {
    guard let address = SocketAddress(numericHost: host, port: port) else {
      throw PosixError.system(operation: "parse \(host)", errno: .invalidArgument)
    }
    let socket = try Socket.connect(to: address, deadline: .after(seconds: 5))
    defer { socket.closeIgnoringErrors() }
    try socket.writeAll(
      Array("GET \(path) HTTP/1.0\r\nHost: x\r\n\r\n".utf8), deadline: .after(seconds: 5))
    let reply = try socket.readToEnd(limit: 16 << 20, deadline: .after(seconds: 5))
    guard
      let split = reply.firstRange(of: Array("\r\n\r\n".utf8))
        ?? reply.firstRange(of: Array("\n\n".utf8))
    else { throw PosixError.endOfFile(operation: "HTTP reply head from \(host):\(port)") }
    return (
      String(decoding: reply[..<split.lowerBound], as: UTF8.self), Array(reply[split.upperBound...])
    )
  }

  /// `GET /api/state`, parsed.
  func state() throws -> [String: Any] {
    let (head, body) = try Self.get("/api/state", host: "127.0.0.1", port: monitorPort)
    #expect(head.hasPrefix("HTTP/1.1 200 OK"))
    return try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
  }

}

/// `distccmon-web`'s command line, run as a program.
struct MonitorWebCommandLineTests {
  static let cases: [([String], Int32, String, String)] = [
    (["--help"], 0, "usage: distccmon-web [--listen ADDR]", ""),
    (["--bogus"], 1, "", "distccmon-web: unknown option \"--bogus\"\nusage: distccmon-web"),
    (["--port", "70000"], 1, "", "distccmon-web: bad --port \"70000\": expected 0-65535\n"),
    (["--daemon-stats", "red"], 1, "", "bad daemon stats address \"red\": expected HOST:PORT"),
    (["--listen", "localhost"], 102, "", "distccmon-web: bad --listen address \"localhost\""),
  ]

  @Test(arguments: cases)
  func reportsBadOptionsAndExits(arguments: [String], status: Int32, stdout: String, stderr: String)
    throws
  {
    let directory = try TestDirectory(prefix: "monitor-web-cli-")
    let result = try TestProcess.run(
      [Binaries.ours("distccmon-web")] + arguments, environment: ["DISTCC_DIR": directory.path],
      timeout: 20)
    #expect(result.exitCode == status, "\(result)")
    #expect(result.stdout.hasPrefix(stdout), "\(result)")
    #expect(stderr.isEmpty ? result.stderr.isEmpty : result.stderr.contains(stderr), "\(result)")
  }

  @Test func failsLike34WhenTheStateDirectoryCannotBeMade() throws {
    let directory = try TestDirectory(prefix: "monitor-web-cli-")
    let result = try TestProcess.run(
      [Binaries.ours("distccmon-web"), "--port", "0"],
      environment: ["DISTCC_DIR": directory.appending("missing")], timeout: 20)
    #expect(result.exitCode == 107, "\(result)")
    #expect(
      result.stderr
        == "distccmon-web: mkdir \(directory.appending("missing/state")) failed: No such file or directory\n"
    )
  }
}
