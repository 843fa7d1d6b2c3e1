import Foundation
import Glibc
import Testing

/// Hosts that are down, die mid-job, or are backed off (client.md §7, §8).
@Suite(.serialized, .timeLimit(.minutes(1))) struct ClientFailoverTests {
  @Test func refusedConnectionMovesToTheNextHost() throws {
    let logs = try ClientTempDirectory()
    let daemon = try RealDaemon(address: "127.0.0.8", logDirectory: logs.path)
    defer { daemon.stop() }
    let deadPort = try freePort(on: "127.0.0.9")
    let world = try ClientWorld(hosts: "127.0.0.9:\(deadPort)/1 \(daemon.hostSpec)")
    let result = try world.distcc(["gcc", "-c", "hello.c"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
      result.stderr.contains("127.0.0.9:\(deadPort)"),
      "the failure names the host: \(result.stderr)")
    #expect(result.stderr.contains("Connection refused"))
    #expect(daemon.compiledJobs(expected: 1) == 1)
    #expect(world.exists("distcc-dir/lock/backoff_tcp_127.0.0.9_\(deadPort)_0"))
  }

  @Test func everyHostDownFallsBackToALocalCompile() throws {
    let port = try freePort(on: "127.0.0.2")
    let world = try ClientWorld(hosts: "127.0.0.2:\(port)")
    let result = try world.distcc(["gcc", "-c", "hello.c"])
    #expect(result.status == 0)
    #expect(result.stderr.contains("running locally instead"), "\(result.stderr)")
    try world.local(["gcc", "-c", "hello.c", "-o", "local.o"])
    #expect(world.contents("hello.o") == world.contents("local.o"))
  }

  @Test func fallbackDisabledExitsWith116() throws {
    let port = try freePort(on: "127.0.0.2")
    let world = try ClientWorld(hosts: "127.0.0.2:\(port)")
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
    let port = try freePort(on: "127.0.0.3")
    let world = try ClientWorld(hosts: "127.0.0.3:\(port)")
    let first = try world.distcc(["gcc", "-c", "hello.c"])
    #expect(first.status == 0)
    #expect(world.exists("distcc-dir/lock/backoff_tcp_127.0.0.3_\(port)_0"))
    // Now a daemon listens there, but the host is still backed off: the job must not go to it.
    let daemon = try RealDaemon(address: "127.0.0.3", logDirectory: logs.path, fixedPort: port)
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
    let slow = world.path + "/slowcc"
    try world.write(
      "slowcc",
      "#!/bin/sh\ncase \" $* \" in *\" -E \"*) ;; *) touch \(world.path)/started; sleep 3;; esac\nexec gcc \"$@\"\n"
    )
    chmod(slow, 0o755)
    let daemon = try RealDaemon(
      address: "127.0.0.4", logDirectory: logs.path, extraArguments: ["--enable-tcp-insecure"])
    world.environment["DISTCC_HOSTS"] = daemon.hostSpec
    nonisolated(unsafe) var result: ProcessResult?
    let done = DispatchSemaphore(value: 0)
    let environment = world.environment
    let directory = world.path
    DispatchQueue.global().async {
      result = try? runProcess(
        [ClientHarness.distcc, slow, "-c", "hello.c"], environment: environment, in: directory)
      done.signal()
    }
    #expect(waitUntil { world.exists("started") }, "the remote compile started")
    daemon.stop()
    done.wait()
    let finished = try #require(result)
    #expect(finished.status == 0, "\(finished.stderr)")
    #expect(finished.stderr.contains("running locally instead"), "\(finished.stderr)")
    try world.local(["gcc", "-c", "hello.c", "-o", "local.o"])
    #expect(world.contents("hello.o") == world.contents("local.o"))
  }
}
