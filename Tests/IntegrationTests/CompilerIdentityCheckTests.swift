import DistTestSupport
import Foundation
import Glibc
import Testing

/// The compiler identity check (`CCID`, Docs/protocol.md "Extensions"): our client names its compiler to our
/// daemon once it knows the daemon is ours; our daemon refuses a job whose compiler differs from the one it
/// would run, naming both; Debian's 3.4 client sends nothing new and is never refused.
@Suite(.serialized, .timeLimit(.minutes(2))) struct CompilerIdentityCheckTests {
  /// Our daemon whose `x86_64-linux-gnu-gcc` (what our client and 3.4's send for `gcc`) is a wrapper around
  /// gcc reporting `version` (nil: the real version) as its own, to `-dumpfullversion` and in the `gcc
  /// version` line of its `-###` transcript, listed in `DISTCC_CMDLIST`.
  /// `alsoAllowing` adds real compilers (by name, found in /usr/bin) to the list.
  func daemon(
    reportingVersion version: String?, in logs: ClientTempDirectory, alsoAllowing: [String] = []
  ) throws -> RealDaemon {
    let bin = logs.path + "/bin"
    try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
    chmod(logs.path, 0o755)
    chmod(bin, 0o755)
    let machine = try runChecked(["gcc", "-dumpmachine"]).trimmingCharacters(
      in: .whitespacesAndNewlines)
    let wrapper = "\(bin)/\(machine)-gcc"
    try GCCWrapper.script(reportingVersion: version).write(
      toFile: wrapper, atomically: true, encoding: .utf8)
    chmod(wrapper, 0o755)
    let others = alsoAllowing.map { "/usr/bin/\(machine)-\($0)\n" }.joined()
    try "\(wrapper)\n\(others)".write(
      toFile: logs.path + "/cmdlist", atomically: true, encoding: .utf8)
    return try RealDaemon(
      .ours, address: "127.0.0.46", logDirectory: logs.path,
      extraEnvironment: ["DISTCC_CMDLIST": logs.path + "/cmdlist"])
  }

  /// `gcc -dumpfullversion` and `gcc -dumpmachine` here.
  func localGCC() throws -> (version: String, machine: String) {
    let version = try runChecked(["gcc", "-dumpfullversion"]).trimmingCharacters(
      in: .whitespacesAndNewlines)
    let machine = try runChecked(["gcc", "-dumpmachine"]).trimmingCharacters(
      in: .whitespacesAndNewlines)
    return (version, machine)
  }

  /// The first job to a host carries no identity (the client does not know yet that the host is ours), but
  /// the reply's trailer names the compiler that ran: the client discards what came back before writing
  /// anything, and under `DISTCC_FALLBACK=0` fails with the line naming both.
  @Test func theFirstJobsObjectFromAnotherCompilerIsDiscarded() throws {
    let logs = try ClientTempDirectory()
    let daemon = try daemon(reportingVersion: "99.1.0", in: logs)
    defer { daemon.stop() }
    let world = try ClientWorld(hosts: daemon.hostSpec)
    let (version, machine) = try localGCC()
    let line = "client gcc \(version) \(machine), this host gcc 99.1.0 \(machine)"
    let first = try world.distcc(
      ["gcc", "-c", "hello.c", "-o", "hello.o"], ["DISTCC_FALLBACK": "0"])
    #expect(first.status == 116, "\(first.stderr)")
    #expect(
      first.stderr.contains(
        "\(daemon.hostSpec) compiled hello.c with another compiler, result discarded: \(line)"),
      "\(first.stderr)")
    #expect(daemon.compiledJobs(expected: 1) == 1, "the daemon did compile it")
    #expect(!world.exists("hello.o"), "no object from another compiler is ever written")
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: world.path).filter {
        $0.contains("hello.o")
      }.isEmpty, "no object and no temporary file beside it")
    // The host is remembered as ours, and as running another gcc.
    let caps = try FileManager.default.contentsOfDirectory(atPath: world.distccDir + "/caps")
    #expect(caps.contains("xcap_tcp_\(daemon.address)_\(daemon.port)"))
    #expect(caps.contains { $0.hasPrefix("mismatch_tcp_\(daemon.address)_\(daemon.port)_") })
    // The web monitor lists the mismatch, with the pause.
    let monitor = try MonitorOnce(distccDir: world.distccDir, logDirectory: logs.path) {
      !(($0["mismatches"] as? [Any]) ?? []).isEmpty
    }
    let mismatches = try #require(monitor.state["mismatches"] as? [[String: Any]])
    #expect(mismatches.count == 1)
    #expect(mismatches.first?["host"] as? String == daemon.hostSpec)
    #expect(mismatches.first?["client"] as? String == "gcc \(version) \(machine)")
    #expect(mismatches.first?["server"] as? String == "gcc 99.1.0 \(machine)")
    let now = Int64(time(nil)) * 1000
    let until = try #require(mismatches.first?["pausedUntil"] as? Int64)
    #expect(until > now + 590_000 && until <= now + 601_000)
    if !monitor.renderedPage.isEmpty {
      #expect(monitor.renderedPage.contains("compiler mismatches"), "\(monitor.renderedPage)")
      #expect(monitor.renderedPage.contains("\(daemon.hostSpec): \(line) · paused"))
    }
    // With fallback the job compiles here.
    let fallback = try world.distcc(["gcc", "-c", "hello.c", "-o", "hello.o"])
    #expect(fallback.status == 0, "\(fallback.stderr)")
    try world.local(["gcc", "-c", "hello.c", "-o", "local.o"])
    #expect(world.contents("hello.o") == world.contents("local.o"))
    #expect(daemon.compiledJobsSoFar == 1, "paused: the fallback job was not sent there")
  }

  /// After a mismatch the host gets no job with that compiler for `DISTCC_MISMATCH_PERIOD` seconds, while
  /// another compiler (g++, the same on both sides) still goes there; with the period 0 the job goes, carries
  /// the identity, and the daemon refuses it naming both.
  @Test func aMismatchPausesThatCompilerOnThatHostOnly() throws {
    let logs = try ClientTempDirectory()
    let daemon = try daemon(reportingVersion: "99.1.0", in: logs, alsoAllowing: ["g++"])
    defer { daemon.stop() }
    let world = try ClientWorld(hosts: daemon.hostSpec)
    let (version, machine) = try localGCC()
    let line = "client gcc \(version) \(machine), this host gcc 99.1.0 \(machine)"
    let first = try world.distcc(["gcc", "-c", "hello.c", "-o", "hello.o"])
    #expect(first.status == 0, "\(first.stderr)")
    #expect(daemon.compiledJobs(expected: 1) == 1)
    // Paused: not sent at all.
    let paused = try world.distcc(
      ["gcc", "-c", "hello.c", "-o", "hello.o"], ["DISTCC_FALLBACK": "0", "DISTCC_VERBOSE": "1"])
    #expect(paused.status == 116, "\(paused.stderr)")
    #expect(
      paused.stderr.contains("\(daemon.hostSpec) is paused for gcc \(version) \(machine)"),
      "\(paused.stderr)")
    #expect(daemon.count("dcc_job_summary") == 1, "no second connection")
    let shown = try world.distcc(["--show-backoff"])
    #expect(shown.status == 0)
    let lines = shown.stdout.split(separator: "\n").map(String.init)
    #expect(lines.count == 2, "\(shown.stdout)")
    #expect(
      lines.first?.hasPrefix("\(daemon.hostSpec) available; extensions: ") == true,
      "\(shown.stdout)")
    #expect(
      lines.last?.hasPrefix(
        "\(daemon.hostSpec) paused for gcc \(version) \(machine) (this host: gcc 99.1.0 \(machine)), "
      )
        == true, "\(shown.stdout)")
    let left = shown.stdout.split(separator: " ").dropLast(2).last.flatMap { Int($0) }
    #expect(
      shown.stdout.hasSuffix(" s left\n") && (590...600).contains(left ?? 0), "\(shown.stdout)")
    // Another compiler still goes there.
    let cxx = try world.distcc(
      ["g++", "-c", "join.cpp", "-o", "join.o"], ["DISTCC_FALLBACK": "0"])
    #expect(cxx.status == 0, "\(cxx.stderr)")
    #expect(daemon.compiledJobs(expected: 2) == 2)
    // Without the pause the job goes, with the identity, and is refused before anything runs.
    let refused = try world.distcc(
      ["gcc", "-c", "hello.c", "-o", "hello.o"],
      ["DISTCC_FALLBACK": "0", "DISTCC_MISMATCH_PERIOD": "0"])
    #expect(refused.status == 116, "\(refused.stderr)")
    #expect(refused.stderr.contains("refused to compile hello.c: \(line)"), "\(refused.stderr)")
    #expect(daemon.waitForLog(line))
    #expect(daemon.compiledJobsSoFar == 2)
    // Debian's client sends no identity and reads nothing after the reply: the same daemon compiles its
    // job (3.4's client has no check), in every mode.
    for extra in [[:], ["DISTCC_SKIP_LOCAL_RETRY": "1"]] as [[String: String]] {
      let debian = try world.realDistcc(
        ["gcc", "-c", "hello.c", "-o", "hello.o"], extra.merging(["DISTCC_FALLBACK": "0"]) { $1 })
      #expect(debian.status == 0, "\(debian.stderr)")
      #expect(debian.stderr.isEmpty, "\(debian.stderr)")
    }
    #expect(daemon.compiledJobs(expected: 4) == 4)
    // The client cached its identities keyed by the compilers' files (gcc and g++).
    let cached = try FileManager.default.contentsOfDirectory(atPath: world.distccDir + "/identity")
    #expect(cached.count == 2)
  }

  @Test func aDaemonWithTheSameCompilerCompilesWithTheIdentityChecked() throws {
    let logs = try ClientTempDirectory()
    let daemon = try daemon(reportingVersion: nil, in: logs)
    defer { daemon.stop() }
    let world = try ClientWorld(hosts: daemon.hostSpec)
    for _ in 0..<3 {
      let result = try world.distcc(
        ["gcc", "-c", "hello.c", "-o", "hello.o"], ["DISTCC_FALLBACK": "0"])
      #expect(result.status == 0, "\(result.stderr)")
    }
    #expect(daemon.compiledJobs(expected: 3) == 3)
    #expect(!daemon.log.contains("this host"))
  }
}
