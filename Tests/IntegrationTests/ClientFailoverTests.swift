import DistTestSupport
import Foundation
import Glibc
import Testing

/// Hosts that are down, die mid-job, or are backed off (client.md §7, §8).
@Suite(.serialized, .timeLimit(.minutes(1))) struct ClientFailoverTests {
  @Test func refusedConnectionMovesToTheNextHost() throws {
    let logs = try ClientTempDirectory()
    let daemon = try RealDaemon(logDirectory: logs.path)
    defer { daemon.stop() }
    let dead = try LoopbackAddress.pick()
    let world = try ClientWorld(hosts: "\(dead)/1 \(daemon.hostSpec)")
    let result = try world.distcc(["gcc", "-c", "hello.c"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
      result.stderr.contains("\(dead)"),
      "the failure names the host: \(result.stderr)")
    #expect(result.stderr.contains("Connection refused"))
    #expect(daemon.compiledJobs(expected: 1) == 1)
    #expect(world.exists("distcc-dir/lock/backoff_tcp_\(dead.address)_\(dead.port)_0"))
  }

  @Test func everyHostDownFallsBackToALocalCompile() throws {
    let world = try ClientWorld(hosts: "\(try LoopbackAddress.pick())")
    let result = try world.distcc(["gcc", "-c", "hello.c"])
    #expect(result.status == 0)
    #expect(result.stderr.contains("running locally instead"), "\(result.stderr)")
    try world.local(["gcc", "-c", "hello.c", "-o", "local.o"])
    #expect(world.contents("hello.o") == world.contents("local.o"))
  }

  @Test func fallbackDisabledExitsWith116() throws {
    let world = try ClientWorld(hosts: "\(try LoopbackAddress.pick())")
    let result = try world.distcc(["gcc", "-c", "hello.c"], ["DISTCC_FALLBACK": "0"])
    #expect(result.status == 116)
    #expect(result.stderr.contains("fallbacks are disabled"))
    #expect(!world.exists("hello.o"))
    // Jobs that are local by nature still run.
    let link = try world.distcc(["gcc", "hello.c", "-o", "hello"], ["DISTCC_FALLBACK": "0"])
    #expect(link.status == 0)
  }

  @Test func emptyHostListFallsBackOrExits116() throws {
    let world = try ClientWorld(hosts: "")
    #expect(try world.distcc(["gcc", "-c", "hello.c"]).status == 0)
    #expect(try world.distcc(["gcc", "-c", "hello.c"], ["DISTCC_FALLBACK": "0"]).status == 116)
  }

  @Test func backoffIsHonouredAcrossRuns() throws {
    let logs = try ClientTempDirectory()
    let host = try LoopbackAddress.pick()
    let world = try ClientWorld(hosts: "\(host)")
    let first = try world.distcc(["gcc", "-c", "hello.c"])
    #expect(first.status == 0)
    #expect(world.exists("distcc-dir/lock/backoff_tcp_\(host.address)_\(host.port)_0"))
    // Now a daemon listens there, but the host is still backed off: the job must not go to it.
    let daemon = try RealDaemon(
      address: host.address, logDirectory: logs.path, fixedPort: Int(host.port))
    defer { daemon.stop() }
    let second = try world.distcc(["gcc", "-c", "hello.c"])
    #expect(second.status == 0)
    #expect(daemon.compiledJobsSoFar == 0, "\(daemon.log)")
    // With the backoff period over, the host is used again.
    let third = try world.distcc(["gcc", "-c", "hello.c"], ["DISTCC_BACKOFF_PERIOD": "0"])
    #expect(third.status == 0)
    #expect(daemon.compiledJobs(expected: 1) == 1, "\(third.stderr)")
  }

  @Test func daemonKilledMidCompileFallsBackLocally() throws {
    let logs = try ClientTempDirectory()
    let world = try ClientWorld(hosts: nil)
    // A compiler that takes its time on the server, so the daemon can be killed mid-job.
    let slow = try world.writeSlowCompiler(sleep: 3)
    let daemon = try RealDaemon(
      logDirectory: logs.path, extraArguments: ["--enable-tcp-insecure"])
    world.environment["DISTCC_HOSTS"] = daemon.hostSpec
    let client = world.start([ClientHarness.distcc, slow, "-c", "hello.c"])
    #expect(waitUntil { world.exists("started") }, "the remote compile started")
    daemon.stop()
    let finished = try #require(client.wait())
    #expect(finished.status == 0, "\(finished.stderr)")
    #expect(finished.stderr.contains("running locally instead"), "\(finished.stderr)")
    try world.local(["gcc", "-c", "hello.c", "-o", "local.o"])
    #expect(world.contents("hello.o") == world.contents("local.o"))
  }
}
