import CompilerPolicy
import Testing

@Suite struct ConfinementTests {
  @Test func commandLineRoundTrips() throws {
    let confinement = Confinement(
      writableDirectories: ["/tmp/job", "/tmp/job/tmp"], writableFiles: ["/dev/null"],
      executableDirectories: ["/usr", "/bin"], addressSpace: 1 << 31, cpuSeconds: 600,
      fileSize: 1 << 30, processes: 256, requireLandlock: true, allowNetwork: false)
    let compiler = argv("gcc -c x.c -o x.o")
    let command = confinement.command(sandbox: "/usr/lib/distccd-sandbox", compiler: compiler)
    #expect(command.first == Array("/usr/lib/distccd-sandbox".utf8))
    let (parsed, program) = try Confinement.parse(command.dropFirst())
    #expect(parsed == confinement)
    #expect(program == compiler)
  }

  @Test(arguments: [
    ("--write", ConfinementError.missingValue("--write")),
    ("--limit-as lots -- cc", .badNumber(option: "--limit-as", text: "lots")),
    ("--frobnicate x -- cc", .unknownOption("--frobnicate")),
    ("--write /tmp", .missingProgram),
    ("--write /tmp --", .missingProgram),
  ])
  func badCommandLineIsATypedError(text: String, expected: ConfinementError) {
    #expect(throws: expected) { try Confinement.parse(argv(text)) }
  }
}
