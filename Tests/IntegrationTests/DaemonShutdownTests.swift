import DistPosix
import DistProtocol
import DistTestSupport
import Foundation
import Glibc
import Testing

/// A daemon that stops before its jobs end kills their compilers and removes their job directories:
/// SIGINT, SIGTERM after `--shutdown-grace`, and `--lifetime` in `--inetd` mode.
@Suite struct DaemonShutdownTests {
  /// Whether `pid` no longer runs: no such process, or a zombie (killed; its parent died, and whether and
  /// when the reaper that inherited it reaps it is up to the machine's init).
  static func isGone(_ pid: pid_t) -> Bool {
    if kill(pid, 0) != 0 && errno == ESRCH { return true }
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = stat.lastIndex(of: ")")
    else { return true }
    return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
  }

  static func waitUntilGone(_ pid: pid_t, timeout: Double = 10) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if isGone(pid) { return true }
      usleep(20_000)
    }
    return isGone(pid)
  }

  @Test(arguments: [(SIGINT, [String]()), (SIGTERM, ["--shutdown-grace", "1"])])
  func stoppingKillsRunningCompilers(signal: Int32, options: [String]) throws {
    let world = try DaemonLifecycleTests.slowWorld(sleep: 60, options: options)
    let socket = try RawSocket()
    try socket.connect(host: "127.0.0.1", port: world.port)
    try socket.send(try DaemonWorld.request(compiler: "slowcc"))
    let compiler = try #require(DaemonLifecycleTests.waitForCompilerStart(world))
    #expect(world.leftovers.contains { $0.hasPrefix("distccd_") })
    let started = Date()
    let (status, reason) = try #require(world.stopDaemon(signal))
    #expect(reason == .uncaughtSignal && status == signal, "dies by the signal")
    #expect(Date().timeIntervalSince(started) < 10)
    #expect(Self.waitUntilGone(compiler), "compiler \(compiler) still running")
    #expect(world.leftovers.isEmpty, "left: \(world.leftovers)")
    #expect(world.log.contains("killed the compilers of 1 job(s)"))
  }

  /// The daemon asks a compiler what it is after its first job (compiler identity); a daemon stopped while
  /// that question hangs kills it, and what it started, too (they outlived the daemon before: nothing was
  /// left to kill them at the question's deadline).
  @Test func stoppingKillsACompilerQuestionInFlight() throws {
    let world = try DaemonWorld()
    try world.write(
      "askcc",
      """
      #!/bin/sh
      case "$1" in -dump*|--version|-print*)
        sleep 300 & echo $! > \(world.path("askcc.child")); echo $$ > \(world.path("askcc.pid")); wait;;
      esac
      out=; prev=; for a in "$@"; do [ "$prev" = -o ] && out=$a; prev=$a; done
      printf OBJECT > "$out"

      """, executable: true)
    try world.write("cmdlist", world.path("askcc") + "\n")
    try world.startDaemon(["--no-sandbox"], environment: ["DISTCC_CMDLIST": world.path("cmdlist")])
    let socket = try RawSocket()
    try socket.connect(host: "127.0.0.1", port: world.port)
    try socket.send(try DaemonWorld.request(compiler: "askcc"))
    var question: pid_t?
    var child: pid_t?
    try Wait.require("the compiler question to start") {
      question = world.contents("askcc.pid").flatMap {
        pid_t(String(decoding: $0, as: UTF8.self).filter(\.isNumber))
      }
      child = world.contents("askcc.child").flatMap {
        pid_t(String(decoding: $0, as: UTF8.self).filter(\.isNumber))
      }
      return question != nil && child != nil
    }
    _ = try #require(world.stopDaemon(SIGINT))
    for pid in [question, child].compactMap({ $0 }) {
      #expect(Self.waitUntilGone(pid), "question process \(pid) still running")
    }
    #expect(world.leftovers.isEmpty, "left: \(world.leftovers)")
  }

  @Test func inetdLifetimeKillsTheCompiler() throws {
    let world = try DaemonWorld()
    let compiler = try world.fakeCompiler("slowcc", sleep: 60, marker: "OBJECT")
    try world.write("cmdlist", compiler + "\n")
    let started = Date()
    let result = try world.runInetd(
      ["--lifetime", "1", "--no-sandbox"], request: try DaemonWorld.request(compiler: "slowcc"),
      environment: ["DISTCC_CMDLIST": world.path("cmdlist")])
    let pid = try #require(DaemonLifecycleTests.waitForCompilerStart(world))
    #expect(result.status.signal == SIGALRM, "\(result)")
    #expect(Date().timeIntervalSince(started) < 10)
    #expect(Self.waitUntilGone(pid), "compiler \(pid) still running")
    #expect(world.leftovers.isEmpty, "left: \(world.leftovers)")
    #expect(world.log.contains("Alarm clock"))
  }
}
