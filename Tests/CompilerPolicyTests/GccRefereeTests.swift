import CompilerPolicy
import DistTestSupport
import Testing

/// The real gcc driver as referee: for every gcc command the policy allows, `gcc -###` (which prints the
/// commands it would run without running them) names only the system's own programs; for the refused
/// program-running spellings it names the client's.
@Suite struct GccRefereeTests {
  static let gccCommands = AllowedCommandTests.realCommands.filter {
    !$0.hasPrefix("clang") && !$0.contains("-Xclang") && !$0.contains("-fuse-ld=lld")
  }

  /// The programs `gcc -###` would start.
  static func programs(_ arguments: [String]) throws -> [String] {
    let result = try TestProcess.run(["gcc", "-###"] + arguments)
    return result.stderr.split(separator: "\n").filter { $0.hasPrefix(" ") }.compactMap {
      $0.split(separator: " ").first.map { String($0).replacingQuotes() }
    }
  }

  @Test(arguments: gccCommands)
  func allowedCommandRunsOnlySystemPrograms(command: String) throws {
    #expect(check(command).isAllowed)
    let programs = try Self.programs(command.split(separator: " ").dropFirst().map(String.init))
    // gcc rejects a few of the flags (clang's, or conflicting machine options) before printing anything.
    if command.contains("-O2 -Wall -Wextra") { #expect(programs.count == 2, "cc1 and as") }
    for program in programs {
      #expect(program.hasPrefix("/usr/lib/gcc/") || program == "as", "\(command) runs \(program)")
    }
  }

  @Test(arguments: ["-wrapper /tmp/evil,x", "-no-integrated-cpp -B/tmp/evil/"])
  func refusedSpellingReallyRunsTheClientsProgram(options: String) throws {
    let arguments = ["-c", "x.c", "-o", "x.o"] + options.split(separator: " ").map(String.init)
    #expect(!check("gcc " + arguments.joined(separator: " ")).isAllowed)
    let programs = try Self.programs(arguments)
    #expect(programs.contains { $0.hasPrefix("/tmp/evil") } || options.contains("-B"))
  }
}

extension String {
  fileprivate func replacingQuotes() -> String { filter { $0 != "\"" } }
}
