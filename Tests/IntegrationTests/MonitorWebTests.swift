import DistPosix
import DistTestSupport
import Foundation
import Glibc
import Testing

/// `distccmon-web` watching a real build: Debian's 3.4 client compiling through two 3.4 daemons on
/// loopback (started with `--stats`) and one host that refuses connections, checked through the JSON API
/// and in headless Chromium.
@Suite(.enabled(if: Binaries.hasDebianDistcc, "needs Debian's distcc and distccd"))
struct MonitorWebTests {
  static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { (path: String) in
    access(path, X_OK) == 0
  }

  @Test func showsARealBuildThroughTwoDaemons() throws {
    let farm = try WebFarm(files: 12)
    try farm.build()

    // Every job ran on one of the daemons or, after the dead host refused, locally.
    let document = try farm.state()
    if let path = ProcessInfo.processInfo.environment["MONITOR_DUMP"] {
      try JSONSerialization.data(withJSONObject: document).write(to: URL(fileURLWithPath: path))
    }
    let hosts = try #require(document["hosts"] as? [[String: Any]])
    let byName = Dictionary(uniqueKeysWithValues: hosts.compactMap { host in (host["name"] as? String).map { ($0, host) } })
    for daemon in farm.daemonHosts {
      let host = try #require(byName[daemon], "\(daemon) missing from \(hosts)")
      #expect((host["jobs"] as? Int ?? 0) >= 1, "\(host)")
      #expect((host["stats"] as? [String: Any])?["capacity"] as? Int == 2, "\(host)")
      #expect((host["slots"] as? [Int])?.isEmpty == false)
    }
    let dead = try #require(byName[farm.deadHost], "\(hosts)")
    #expect((dead["backoffs"] as? Int ?? 0) >= 1)  // one mark per failed client, in different seconds
    #expect(dead["backedOffUntil"] is Int64)
    #expect((dead["failures"] as? Int ?? 0) >= 1)
    let jobs = hosts.reduce(0) { $0 + ($1["jobs"] as? Int ?? 0) }
    #expect(jobs == farm.files)
    let spans = try #require(document["spans"] as? [[String: Any]])
    #expect(spans.allSatisfy { $0["end"] is Int64 })  // the build is over
    #expect(Set(spans.compactMap { $0["phase"] as? String }).isSuperset(of: ["Compile"]))
    #expect(Set(spans.compactMap { $0["file"] as? String }).isSuperset(of: (0..<farm.files).map { "f\($0).c" }))

    guard let chromium = Self.chromium else { return }
    let dom = try TestProcess.run(
      [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
       "--virtual-time-budget=4000", "--dump-dom", farm.url], timeout: 120)
    #expect(dom.exitCode == 0, "\(dom)")
    for host in farm.daemonHosts + [farm.deadHost] { #expect(dom.stdout.contains("<td>\(host)<span"), "\(host)") }
    #expect(dom.stdout.contains("backed off"))
    #expect(dom.stdout.contains("spans · updated"))
    let console = dom.stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") || $0.contains("Uncaught") }
    #expect(console.isEmpty, "\(console)")

    let screenshot = ProcessInfo.processInfo.environment["MONITOR_SCREENSHOT"] ?? farm.directory.appending("monitor.png")
    let shot = try TestProcess.run(
      [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,720",
       "--virtual-time-budget=4000", "--screenshot=\(screenshot)", farm.url], timeout: 120)
    #expect(shot.exitCode == 0, "\(shot)")
    let png = try FileContents.read(screenshot)
    #expect(png.starts(with: [0x89, 0x50, 0x4e, 0x47]))
  }
}

/// Two 3.4 daemons with `--stats`, a dead host, a slow compiler, our web monitor, and a build to run.
final class WebFarm {
  let directory: TestDirectory
  let files: Int
  let daemonHosts = ["127.0.0.2", "127.0.0.3"]
  let deadHost = "127.0.0.4"
  private var daemons: [BackgroundProcess] = []
  private var monitor: BackgroundProcess!
  private var hostList: [String] = []
  private(set) var url = ""
  private let monitorPort: UInt16

  init(files: Int) throws {
    self.files = files
    directory = try TestDirectory(prefix: "monitor-web-")
    chmod(directory.path, 0o755)
    // Compiling (not preprocessing) takes a moment, so every phase is seen.
    _ = try directory.write(
      "slowcc", "#!/bin/sh\ncase \" $* \" in *\" -E \"*) ;; *) sleep 0.4;; esac\nexec gcc \"$@\"\n", mode: 0o755)
    for index in 0..<files {
      _ = try directory.write("f\(index).c", "int f\(index)(int x) { return x * \(index); }\n")
    }
    try directory.makeDirectories(directory.appending("distcc"))
    var statsSources: [String] = []
    for host in daemonHosts {
      let port = try FreePort.pick(on: host)
      let statsPort = try FreePort.pick(on: host)
      let daemon = try BackgroundProcess(
        [
          "/usr/bin/distccd", "--daemon", "--no-detach", "--listen", host, "--port", "\(port)", "--allow",
          "127.0.0.0/8", "--jobs", "2", "--enable-tcp-insecure", "--stats", "--stats-port", "\(statsPort)",
          "--log-stderr", "--log-level", "info",
        ], logPath: directory.appending("distccd-\(host).log"))
      daemons.append(daemon)
      try daemon.waitForLog("preforking daemon started")
      hostList.append("\(host):\(port)/2")
      statsSources.append("\(host):\(statsPort)")
    }
    hostList.append("\(deadHost):\(try FreePort.pick(on: deadHost))/2")
    monitorPort = try FreePort.pick()
    monitor = try BackgroundProcess(
      [Binaries.ours("distccmon-web"), "--port", "\(monitorPort)"] + statsSources.flatMap { ["--daemon-stats", $0] },
      environment: ["DISTCC_DIR": directory.appending("distcc"), "PATH": "/usr/bin:/bin"],
      logPath: directory.appending("distccmon-web.log"))
    try monitor.waitForLog("serving http://")
    url = "http://127.0.0.1:\(monitorPort)/"
  }

  deinit {
    _ = monitor?.stop()
    for daemon in daemons { _ = daemon.stop(signal: SIGKILL) }
  }

  /// Compiles every file at once with Debian's client, then waits for the monitor to see the last job end.
  func build() throws {
    let commands = (0..<files).map { "distcc \(directory.path)/slowcc -c f\($0).c -o f\($0).o &" }.joined(separator: "\n")
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

  /// `GET /api/state`, parsed.
  func state() throws -> [String: Any] {
    let address = try #require(SocketAddress(numericHost: "127.0.0.1", port: monitorPort))
    let socket = try Socket.connect(to: address, deadline: .after(seconds: 5))
    defer { socket.closeIgnoringErrors() }
    try socket.writeAll(Array("GET /api/state HTTP/1.1\r\nHost: x\r\n\r\n".utf8), deadline: .after(seconds: 5))
    let reply = try socket.readToEnd(limit: 16 << 20, deadline: .after(seconds: 5))
    let split = try #require(reply.firstRange(of: Array("\r\n\r\n".utf8)))
    #expect(String(decoding: reply[..<split.lowerBound], as: UTF8.self).hasPrefix("HTTP/1.1 200 OK"))
    return try #require(try JSONSerialization.jsonObject(with: Data(reply[split.upperBound...])) as? [String: Any])
  }
}
