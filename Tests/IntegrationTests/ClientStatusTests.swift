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
    #expect(lines.first?.hasSuffix(" s left; extensions: none known") == true)
    // Our daemon announced its extensions after the reply (XCAP); the client kept them in $DISTCC_DIR/caps.
    #expect(
      lines.last?.hasPrefix("\(daemon.hostSpec) available; extensions: ") == true, "\(shown.stdout)"
    )
    #expect(lines.last?.contains("compiler-identity") == true, "\(shown.stdout)")
    if Binaries.debian("distcc") != nil {
      #expect(
        try world.distcc(["--show-hosts"]).stdout == world.realDistcc(["--show-hosts"]).stdout)
    }
  }

  /// A 3.4 daemon announces nothing, so after a job it still shows no extensions; with `caps` removed our
  /// daemon's are forgotten too (nothing announced within the period).
  @Test func showBackoffShowsOnlyExtensionsAHostAnnounced() throws {
    let logs = try ClientTempDirectory()
    let ours = try RealDaemon(.ours, logDirectory: logs.path)
    defer { ours.stop() }
    guard Binaries.debian("distccd") != nil else { return }
    let debian = try RealDaemon(.debian, logDirectory: logs.path)
    defer { debian.stop() }
    let world = try ClientWorld(hosts: "\(debian.hostSpec)/1,lzo,zstd \(ours.hostSpec)/1,lzo,zstd")
    let before = try world.distcc(["--show-backoff"]).stdout
    #expect(
      before == "\(debian.hostSpec)/1,lzo,zstd available; extensions: none known\n"
        + "\(ours.hostSpec)/1,lzo,zstd available; extensions: none known\n")
    for host in [debian.hostSpec, ours.hostSpec] {
      let job = try world.distcc(
        ["gcc", "-c", "hello.c"], ["DISTCC_FALLBACK": "0", "DISTCC_HOSTS": host + "/1,lzo,zstd"])
      #expect(job.status == 0, "\(job.stderr)")
    }
    let after = try world.distcc(["--show-backoff"]).stdout.split(separator: "\n").map(String.init)
    #expect(
      after.first == "\(debian.hostSpec)/1,lzo,zstd available; extensions: none known", "\(after)")
    #expect(
      after.last?.hasPrefix("\(ours.hostSpec)/1,lzo,zstd available; extensions: zstd,") == true,
      "\(after)")
    try FileManager.default.removeItem(atPath: world.distccDir + "/caps")
    #expect(try world.distcc(["--show-backoff"]).stdout == before)
  }
}
