import DistTestSupport
import Foundation
import Glibc
import Testing

/// Our client's state files are 3.4's: Debian's `distccmon-text` shows our running job (client.md §12).
@Suite(.serialized, .timeLimit(.minutes(1))) struct ClientStateFileTests {
  @Test func debianMonitorShowsOurRemoteJobAndItDisappearsAfterwards() throws {
    let (world, daemon) = try ClientWorld.withDaemon(extraArguments: ["--enable-tcp-insecure"])
    defer { daemon.stop() }
    chmod(world.path, 0o777)
    let slow = try world.writeSlowCompiler(sleep: 2)
    let client = world.start([ClientHarness.distcc, slow, "-c", "hello.c"])
    #expect(waitUntil { world.exists("started") })
    let monitor = try runProcess(
      ["/usr/bin/distccmon-text"],
      environment: ["DISTCC_DIR": world.distccDir, "PATH": "/usr/bin:/bin"],
      in: world.path)
    #expect(monitor.status == 0)
    let line = monitor.stdout.split(separator: "\n").first { $0.contains("hello.c") }
    #expect(line?.contains("Compile") == true, "\(monitor.stdout)")
    #expect(line?.contains("\(daemon.address)[0]") == true, "\(monitor.stdout)")
    #expect(client.wait()?.status == 0)
    let states =
      (try? FileManager.default.contentsOfDirectory(atPath: world.distccDir + "/state")) ?? []
    #expect(states.isEmpty, "the state file is removed when the job ends: \(states)")
  }

  @Test func sigtermRemovesTheStateFileAndKillsTheClientBySignal() throws {
    let (world, daemon) = try ClientWorld.withDaemon(extraArguments: ["--enable-tcp-insecure"])
    defer { daemon.stop() }
    chmod(world.path, 0o777)
    let slow = try world.writeSlowCompiler(sleep: 3)
    let client = try BackgroundProcess(
      [ClientHarness.distcc, slow, "-c", "hello.c"], environment: world.environment,
      directory: world.path,
      logPath: world.path + "/logs/client.log")
    #expect(waitUntil { world.exists("started") })
    let stateFile = "distcc-dir/state/binstate_\(client.pid)"
    #expect(world.exists(stateFile))
    client.send(SIGTERM)
    let status = try client.waitForExit(timeout: 10)
    #expect(status.signal == SIGTERM)
    #expect(!world.exists(stateFile))
    #expect(!world.exists("hello.o"), "no partial object")
  }
}
