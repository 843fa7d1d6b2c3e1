import DistTestSupport
import Foundation
import Glibc
import Testing

/// The compiler identity check (`CCID`, Docs/protocol.md "Extensions"): our client names its compiler to our
/// daemon once it knows the daemon is ours; our daemon refuses a job whose compiler differs from the one it
/// would run, naming both; Debian's 3.4 client sends nothing new and is never refused.
@Suite(.serialized, .timeLimit(.minutes(2))) struct CompilerIdentityCheckTests {
  /// Our daemon whose `x86_64-linux-gnu-gcc` (what our client and 3.4's send for `gcc`) is a wrapper around
  /// gcc answering `-dumpfullversion` with `version` (nil: the real version), listed in `DISTCC_CMDLIST`.
  func daemon(reportingVersion version: String?, in logs: ClientTempDirectory) throws -> RealDaemon
  {
    let bin = logs.path + "/bin"
    try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
    chmod(logs.path, 0o755)
    chmod(bin, 0o755)
    let machine = try runChecked(["gcc", "-dumpmachine"]).trimmingCharacters(
      in: .whitespacesAndNewlines)
    let wrapper = "\(bin)/\(machine)-gcc"
    let answer = version.map { "-dumpfullversion) echo \($0);; " } ?? ""
    try "#!/bin/sh\ncase \"$1\" in \(answer)*) exec /usr/bin/gcc \"$@\";; esac\n".write(
      toFile: wrapper, atomically: true, encoding: .utf8)
    chmod(wrapper, 0o755)
    try "\(wrapper)\n".write(toFile: logs.path + "/cmdlist", atomically: true, encoding: .utf8)
    return try RealDaemon(
      .ours, address: "127.0.0.46", logDirectory: logs.path,
      extraEnvironment: ["DISTCC_CMDLIST": logs.path + "/cmdlist"])
  }

  @Test func aDaemonWithAnotherCompilerVersionRefusesNamingBoth() throws {
    let logs = try ClientTempDirectory()
    let daemon = try daemon(reportingVersion: "99.1.0", in: logs)
    defer { daemon.stop() }
    let world = try ClientWorld(hosts: daemon.hostSpec)
    let gccVersion = try runChecked(["gcc", "-dumpfullversion"]).trimmingCharacters(
      in: .whitespacesAndNewlines)
    let machine = try runChecked(["gcc", "-dumpmachine"]).trimmingCharacters(
      in: .whitespacesAndNewlines)
    // The first job learns that the host is ours (XCAP); it carries no identity yet.
    let first = try world.distcc(
      ["gcc", "-c", "hello.c", "-o", "hello.o"], ["DISTCC_FALLBACK": "0"])
    #expect(first.status == 0, "\(first.stderr)")
    // From then on the identity goes along and the mismatch is refused with one line naming both.
    let refused = try world.distcc(
      ["gcc", "-c", "hello.c", "-o", "hello.o"], ["DISTCC_FALLBACK": "0"])
    let line = "client gcc \(gccVersion) \(machine), this host gcc 99.1.0 \(machine)"
    #expect(refused.status == 116, "\(refused.stderr)")
    #expect(refused.stderr.contains("refused to compile hello.c: \(line)"), "\(refused.stderr)")
    #expect(daemon.log.contains(line))
    // With fallback the job compiles locally, and the object is there.
    try? FileManager.default.removeItem(atPath: world.path + "/hello.o")
    let fallback = try world.distcc(["gcc", "-c", "hello.c", "-o", "hello.o"])
    #expect(fallback.status == 0, "\(fallback.stderr)")
    #expect(world.exists("hello.o"))
    #expect(fallback.stderr.contains(line))
    #expect(daemon.compiledJobsSoFar == 1, "only the first job ran there")
    // Debian's client sends no identity: the same daemon compiles its job.
    let debian = try world.realDistcc(
      ["gcc", "-c", "hello.c", "-o", "hello.o"], ["DISTCC_FALLBACK": "0"])
    #expect(debian.status == 0, "\(debian.stderr)")
    #expect(daemon.compiledJobs(expected: 2) == 2)
    // The client cached its identity keyed by the compiler's files.
    let cached = try FileManager.default.contentsOfDirectory(atPath: world.distccDir + "/identity")
    #expect(cached.count == 1)
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
