import DistTestSupport
import Foundation
import Glibc
import Testing

/// Local jobs take a `cpu_localhost_N` slot of the `--localslots` pool and wait while it is full (client.md §6.4).
@Suite(.serialized, .timeLimit(.minutes(1))) struct ClientLocalSlotsTests {
  @Test func aLinkWaitsForTheOnlyLocalSlot() throws {
    let logs = try ClientTempDirectory()
    let world = try ClientWorld(hosts: "--localslots=1 127.0.0.2:1")
    try FileManager.default.createDirectory(
      atPath: world.distccDir + "/lock", withIntermediateDirectories: true)
    // This test process holds the only local slot with the same kind of lock a distcc client takes.
    let lockPath = world.distccDir + "/lock/cpu_localhost_0"
    let fd = open(lockPath, O_WRONLY | O_CREAT | O_CLOEXEC, 0o666)
    var lock = flock()
    lock.l_type = Int16(F_WRLCK)
    lock.l_whence = Int16(SEEK_SET)
    #expect(fcntl(fd, F_SETLK, &lock) == 0)
    var environment = world.environment
    environment["DISTCC_LOG"] = world.path + "/client.log"
    let client = try BackgroundProcess(
      [ClientHarness.distcc, "gcc", "hello.c", "-o", "hello"], environment: environment,
      directory: world.path,
      logPath: logs.path + "/client.out")
    #expect(
      waitUntil {
        String(decoding: world.contents("client.log") ?? Data(), as: UTF8.self).contains(
          "nothing available")
      }, "the client waits for the slot")
    #expect(!world.exists("hello"))
    close(fd)  // frees the slot
    let status = try client.waitForExit(timeout: 20)
    #expect(status.exitCode == 0)
    #expect(world.exists("hello"))
  }
}
