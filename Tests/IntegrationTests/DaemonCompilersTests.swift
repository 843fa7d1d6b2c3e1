import DistTestSupport
import Foundation
import Glibc
import Testing

/// `distccd --compilers`: the compilers the daemon would run, each with its identity.
@Suite struct DaemonCompilersTests {
  @Test func listsTheCommandListsCompilersWithTheirIdentities() throws {
    let directory = try TestDirectory(prefix: "daemon-compilers-")
    let other = try directory.write(
      "bin/old-gcc", GCCWrapper.script(reportingVersion: "9.4.0"), mode: 0o755)
    let list = try directory.write("cmdlist", "/usr/bin/gcc\n\(other)\n")
    var environment = ProcessInfo.processInfo.environment
    environment["DISTCC_CMDLIST"] = list
    let result = try TestProcess.run(
      [Binaries.ours("distccd"), "--compilers"], environment: environment)
    #expect(result.exitCode == 0, "\(result)")
    let lines = result.stdout.split(separator: "\n").map { $0.split(separator: "\t") }
    #expect(lines.count == 2, "\(result)")
    let gcc = try #require(lines.first { $0.first == "/usr/bin/gcc" })
    let old = try #require(lines.first { $0.first.map(String.init) == other })
    let gccVersion = try runChecked(["/usr/bin/gcc", "-dumpfullversion"]).trimmingCharacters(
      in: .whitespacesAndNewlines)
    #expect(gcc[1].hasPrefix("gcc \(gccVersion) "))
    #expect(old[1].hasPrefix("gcc 9.4.0 "))
    // Same cc1 and cc1plus, other driver: the fingerprints differ.
    #expect(gcc[1].split(separator: " ").last != old[1].split(separator: " ").last)
  }
}
