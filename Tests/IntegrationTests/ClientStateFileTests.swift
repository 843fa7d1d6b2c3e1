import DistTestSupport
import Foundation
import Glibc
import Testing

/// Our client's state files are 3.4's: Debian's `distccmon-text` shows our running job (client.md §12).
@Suite(.serialized, .timeLimit(.minutes(1))) struct ClientStateFileTests {
  @Test func debianMonitorShowsOurRemoteJobAndItDisappearsAfterwards() throws {
    let logs = try ClientTempDirectory()
    let daemon = try RealDaemon(
      address: "127.0.0.6", logDirectory: logs.path, extraArguments: ["--enable-tcp-insecure"])
    defer { daemon.stop() }
    let world = try ClientWorld(hosts: daemon.hostSpec)
    chmod(world.path, 0o777)
    let slow = world.path + "/slowcc"
    try world.write(
      "slowcc",
      "#!/bin/sh\ncase \" $* \" in *\" -E \"*) ;; *) touch \(world.path)/started; sleep 2;; esac\nexec gcc \"$@\"\n"
    )
    chmod(slow, 0o755)
    nonisolated(unsafe) var finished: ProcessResult?
    let done = DispatchSemaphore(value: 0)
    let environment = world.environment
    let directory = world.path
    DispatchQueue.global().async {
      finished = try? runProcess(
        [ClientHarness.distcc, slow, "-c", "hello.c"], environment: environment, in: directory)
      done.signal()
    }
    #expect(waitUntil { world.exists("started") })
    let monitor = try runProcess(
      ["/usr/bin/distccmon-text"],
      environment: ["DISTCC_DIR": world.distccDir, "PATH": "/usr/bin:/bin"],
      in: world.path)
    #expect(monitor.status == 0)
    let line = monitor.stdout.split(separator: "\n").first { $0.contains("hello.c") }
    #expect(line?.contains("Compile") == true, "\(monitor.stdout)")
    #expect(line?.contains("127.0.0.6[0]") == true, "\(monitor.stdout)")
    done.wait()
    #expect(finished?.status == 0)
    let states =
      (try? FileManager.default.contentsOfDirectory(atPath: world.distccDir + "/state")) ?? []
    #expect(states.isEmpty, "the state file is removed when the job ends: \(states)")
  }

  @Test func sigtermRemovesTheStateFileAndKillsTheClientBySignal() throws {
    let logs = try ClientTempDirectory()
    let daemon = try RealDaemon(
      address: "127.0.0.7", logDirectory: logs.path, extraArguments: ["--enable-tcp-insecure"])
    defer { daemon.stop() }
    let world = try ClientWorld(hosts: daemon.hostSpec)
    chmod(world.path, 0o777)
    let slow = world.path + "/slowcc"
    try world.write(
      "slowcc",
      "#!/bin/sh\ncase \" $* \" in *\" -E \"*) ;; *) touch \(world.path)/started; sleep 3;; esac\nexec gcc \"$@\"\n"
    )
    chmod(slow, 0o755)
    let client = try BackgroundProcess(
      [ClientHarness.distcc, slow, "-c", "hello.c"], environment: world.environment,
      directory: world.path,
      logPath: logs.path + "/client.log")
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
