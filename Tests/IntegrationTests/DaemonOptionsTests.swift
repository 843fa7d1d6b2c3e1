import DistPosix
import DistTestSupport
import Foundation
import Glibc
import Testing

/// distccd's command line: 3.4's spellings and exit codes (daemon.md §1, §9).
@Suite(.serialized) struct DaemonOptionsTests {
  struct Row: CustomTestStringConvertible, Sendable {
    var arguments: [String]
    var environment: [String: String] = [:]
    var status: Int32
    var output: String
    var testDescription: String { arguments.joined(separator: " ") + " \(environment)" }
  }

  static let rows: [Row] = [
    Row(arguments: ["--bogus"], status: 101, output: "--bogus"),
    Row(arguments: ["--port"], status: 101, output: "--port"),
    Row(
      arguments: ["--jobs", "0"], status: 101, output: "--jobs argument must be between 1 and 200"),
    Row(
      arguments: ["-j", "201"], status: 101, output: "--jobs argument must be between 1 and 200"),
    Row(arguments: ["--port", "70000"], status: 101, output: "port number out of range: 70000"),
    Row(arguments: ["--port=abc"], status: 101, output: "abc"),
    Row(
      arguments: ["--max-request-memory", "0"], status: 101,
      output: "invalid --max-request-memory argument \"0\""),
    Row(
      arguments: ["--max-body-size", "12X"], status: 101,
      output: "invalid --max-body-size argument \"12X\""),
    Row(arguments: ["--help"], status: 0, output: "--max-request-memory <BYTES>"),
    Row(arguments: ["--allow", "1.2.3.4/33"], status: 101, output: "invalid mask \"33\""),
    Row(arguments: ["--allow", "::1/129"], status: 101, output: "invalid mask"),
    Row(
      arguments: ["--allow", "not an address"], status: 101, output: "can't parse internet address"),
    Row(
      arguments: ["--daemon", "--no-detach"], environment: ["DISTCC_IO_TIMEOUT": "0"], status: 101,
      output: "Bad DISTCC_IO_TIMEOUT value: 0"),
    Row(
      arguments: ["--daemon", "--no-detach"], environment: ["DISTCC_IO_TIMEOUT": "soon"],
      status: 101, output: "Bad DISTCC_IO_TIMEOUT value: soon"),
    Row(arguments: ["--help"], status: 0, output: "--allow <IP[/BITS]>"),
    Row(arguments: ["--version"], status: 0, output: "distccd 3.4"),
    Row(arguments: ["--show-principal"], status: 0, output: "Principal"),
    Row(
      arguments: ["--blacklist=a", "--whitelist=b"], status: 101,
      output: "Can't specify both --whitelist and --blacklist."),
    Row(
      arguments: ["--daemon", "--no-detach", "--log-stderr"],
      environment: ["TMPDIR": "/nonexistent-distccd-dir"], status: 107,
      output: "failed to chdir to /nonexistent-distccd-dir"),
  ]

  static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (
    Int32, String
  ) {
    let directory = try TestDirectory(prefix: "distccd-output-")
    // A file, not a pipe: a detached daemon must not keep the test waiting for an end of file.
    let process = try BackgroundProcess(
      [DaemonWorld.daemonPath] + arguments,
      environment: ProcessEnvironment.current().merging(environment) { $1 },
      logPath: directory.appending("output"))
    let status = try process.waitForExit(timeout: 60)
    return (status.exitCode ?? status.signal ?? -1, process.log())
  }

  @Test(arguments: rows)
  func exitCodesAndMessages(_ row: Row) throws {
    let (status, output) = try DaemonOptionsTests.run(row.arguments, environment: row.environment)
    #expect(status == row.status, "\(output)")
    #expect(output.contains(row.output), "\(output)")
  }

  @Test func bindFailureExits102() throws {
    let world = try DaemonWorld()
    try world.startDaemon()
    let (status, output) = try DaemonOptionsTests.run(
      [
        "--daemon", "--no-detach", "--log-stderr", "--listen", "127.0.0.1", "--port",
        "\(world.port)",
      ],
      environment: ["TMPDIR": world.tmpdir])
    #expect(status == 102)
    #expect(output.contains("bind of 127.0.0.1:\(world.port) failed"))
  }

  @Test func bindFailureExits102AlsoWhenDetaching() throws {
    let world = try DaemonWorld()
    try world.startDaemon()
    let (status, output) = try DaemonOptionsTests.run(
      ["--daemon", "--listen", "127.0.0.1", "--port", "\(world.port)"],
      environment: ["TMPDIR": world.tmpdir])
    #expect(status == 102)
    #expect(output.contains("bind of 127.0.0.1:\(world.port) failed"))
  }

  @Test func lifetimeEndsTheDaemonLikeSIGALRM() throws {
    let world = try DaemonWorld()
    try world.startDaemon(["--lifetime", "1"])
    let (status, reason) = try #require(world.stopDaemon(0))
    #expect(reason == .uncaughtSignal && status == SIGALRM)
  }

  @Test func detachedDaemonWritesItsPidAndServes() throws {
    let world = try DaemonWorld()
    let port = try DaemonWorld.freePort(on: "127.0.0.1")
    let pidFile = world.path("detached.pid")
    let (status, _) = try DaemonOptionsTests.run(
      [
        "--daemon", "--listen", "127.0.0.1", "--port", "\(port)", "--pid-file", pidFile,
        "--log-file", world.logPath,
        "--log-level", "info",
      ],
      environment: ["TMPDIR": world.tmpdir])
    #expect(status == 0)
    #expect(world.waitForLog { $0.contains("daemon started") })
    let pid = try #require(
      pid_t(
        String(decoding: world.contents("detached.pid") ?? [], as: UTF8.self).trimmingCharacters(
          in: .whitespacesAndNewlines)))
    defer { kill(pid, SIGKILL) }
    #expect(getsid(pid) == pid, "the detached daemon leads its own session")
    kill(pid, SIGTERM)
    #expect(DaemonShutdownTests.waitUntilGone(pid))
    #expect(world.contents("detached.pid") == nil)
  }
}
