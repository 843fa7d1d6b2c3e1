import DistTestSupport
import Foundation
import Glibc
import Testing

/// What the client tells the user beyond 3.4: a job-summary line under `DISTCC_VERBOSE`, and
/// `--show-backoff` (while `--show-hosts` stays byte-for-byte 3.4's, since scripts parse it).
@Suite(.serialized, .timeLimit(.minutes(1))) struct ClientStatusTests {
  @Test(arguments: RealDaemon.Kind.allCases)
  func verboseJobEndsWithOneSummaryLineNamingTheHost(kind: RealDaemon.Kind) throws {
    let (world, daemon) = try ClientWorld.withDaemon(kind, hostOptions: ",lzo")
    defer { daemon.stop() }
    let result = try world.distcc(
      ["gcc", "-c", "hello.c", "-o", "hello.o"], ["DISTCC_VERBOSE": "1", "DISTCC_FALLBACK": "0"])
    #expect(result.status == 0, "\(result.stderr)")
    let summaries = result.stderr.split(separator: "\n").filter { $0.contains("(dcc_job_summary)") }
    #expect(summaries.count == 1, "\(result.stderr)")
    let line = String(summaries.first ?? "")
    #expect(
      line.contains("hello.c: compiled on \(daemon.hostSpec),lzo (protocol 2) in "), "\(line)")
    #expect(line.hasSuffix("bytes back"))
  }

  @Test func showBackoffMarksTheHostThatFailedAndShowHostsStaysThe34Output() throws {
    let logs = try ClientTempDirectory()
    let daemon = try RealDaemon(.ours, logDirectory: logs.path)
    defer { daemon.stop() }
    let dead = try LoopbackAddress.pick()
    let world = try ClientWorld(hosts: "\(dead)/1 \(daemon.hostSpec)")
    #expect(try world.distcc(["gcc", "-c", "hello.c"]).status == 0)
    let shown = try world.distcc(["--show-backoff"])
    #expect(shown.status == 0)
    let lines = shown.stdout.split(separator: "\n").map(String.init)
    #expect(lines.count == 2, "\(shown.stdout)")
    #expect(lines.first?.hasPrefix("\(dead)/1 backed off, ") == true, "\(shown.stdout)")
    #expect(lines.first?.hasSuffix(" s left") == true)
    #expect(lines.last == "\(daemon.hostSpec) available")
    if Binaries.debian("distcc") != nil {
      #expect(
        try world.distcc(["--show-hosts"]).stdout == world.realDistcc(["--show-hosts"]).stdout)
    }
  }
}
