import DistTestSupport
import Foundation
import Glibc
import Testing

/// Our client and Debian's share slots through the same `fcntl` lock files (client.md §6.2): while one holds
/// host A's only slot, the other goes to host B.
@Suite(.serialized, .timeLimit(.minutes(1))) struct ClientSlotSharingTests {
  enum Holder: String, CaseIterable, Sendable { case ours, debian }

  @Test(arguments: Holder.allCases)
  func aBusySlotHeldByOneClientIsSkippedByTheOther(holder: Holder) throws {
    let logs = try ClientTempDirectory()
    let hostA = try RealDaemon(
      logDirectory: logs.path, extraArguments: ["--enable-tcp-insecure"])
    let hostB = try RealDaemon(
      logDirectory: logs.path, extraArguments: ["--enable-tcp-insecure"])
    defer {
      hostA.stop()
      hostB.stop()
    }
    let world = try ClientWorld(hosts: "\(hostA.hostSpec)/1 \(hostB.hostSpec)/1")
    chmod(world.path, 0o777)
    let slow = try world.writeSlowCompiler(sleep: 2)
    let holderBinary = holder == .ours ? ClientHarness.distcc : "/usr/bin/distcc"
    let otherBinary = holder == .ours ? "/usr/bin/distcc" : ClientHarness.distcc

    let holding = world.start([holderBinary, slow, "-c", "hello.c", "-o", "slow.o"])
    #expect(waitUntil { world.exists("started") }, "the holder's remote compile started on host A")
    let other = try world.run([otherBinary, "gcc", "-c", "hello.c", "-o", "fast.o"])
    #expect(other.status == 0, "\(other.stderr)")
    // The second job went to B while A's only slot was held by the first client.
    #expect(hostB.compiledJobs(expected: 1) == 1, "\(hostB.log)")
    #expect(holding.wait()?.status == 0)
    #expect(hostA.compiledJobs(expected: 1) == 1, "\(hostA.log)")
    #expect(world.contents("slow.o") == world.contents("fast.o"))
  }
}
