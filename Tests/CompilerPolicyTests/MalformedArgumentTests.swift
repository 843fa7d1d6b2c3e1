import CompilerPolicy
import Testing

@Suite struct MalformedArgumentTests {
  @Test(arguments: [
    ("gcc -c x.c -o", MalformedArguments.missingOperand(option: "-o")),
    ("gcc -c x.c -o x.o -MF", .missingOperand(option: "-MF")),
    ("gcc -c x.c -o x.o -D", .missingOperand(option: "-D")),
    ("gcc -c x.c -o x.o -include", .missingOperand(option: "-include")),
    ("gcc -c x.c -o x.o -Xclang", .missingOperand(option: "-Xclang")),
    ("-c x.c -o x.o", .compilerNameIsOption("-c")),
    ("-wrapper x.c", .compilerNameIsOption("-wrapper")),
  ])
  func malformedCommandIsATypedError(command: String, expected: MalformedArguments) {
    let decision = check(command)
    #expect(decision == .malformed(expected))
    #expect(decision.message == "distccd: malformed command line: \(expected)")
  }

  @Test func emptyVectorAndEmptyCompilerName() {
    #expect(ArgumentPolicy.standard.check([]) == .malformed(.empty))
    #expect(
      ArgumentPolicy.standard.check([[], Array("-c".utf8)]) == .malformed(.emptyCompilerName))
  }

  @Test(arguments: [0, 1, 3])
  func nulByteAnywhereIsMalformed(index: Int) {
    var arguments = argv("gcc -c x.c -o x.o")
    arguments[index].insert(0, at: 1)
    #expect(ArgumentPolicy.standard.check(arguments) == .malformed(.containsNUL(index: index)))
  }

  @Test func absurdCountsAndLengthsAreBounded() {
    let policy = ArgumentPolicy(
      rules: OptionRule.standardTable, limits: .init(maxArguments: 10, maxArgumentLength: 16))
    #expect(
      policy.check(argv("gcc -c x.c -o x.o -O2 -O2 -O2 -O2 -O2 -O2"))
        == .malformed(.tooManyArguments(count: 11, limit: 10)))
    #expect(
      policy.check(argv("gcc -c x.c -o x.o -DAAAAAAAAAAAAAAAAAA"))
        == .malformed(.argumentTooLong(index: 5, length: 20, limit: 16)))
    // The standard limits hold a million arguments off without reading them one by one.
    let flood = [Array("gcc".utf8)] + Array(repeating: Array("-O2".utf8), count: 1_000_000)
    #expect(
      ArgumentPolicy.standard.check(flood)
        == .malformed(.tooManyArguments(count: 1_000_001, limit: 16_384)))
    let long = argv("gcc -c x.c -o x.o") + [Array(repeating: UInt8(ascii: "D"), count: 1 << 20)]
    #expect(
      ArgumentPolicy.standard.check(long)
        == .malformed(.argumentTooLong(index: 5, length: 1 << 20, limit: 65_536)))
  }

  @Test func expansionCannotExceedTheArgumentLimit() {
    let policy = ArgumentPolicy(rules: OptionRule.standardTable, limits: .init(maxArguments: 8))
    let decision = policy.check(argv("gcc -c x.c -o x.o @a")) { _ in
      Array("-O1 -O2 -O3 -O1 -O2".utf8)
    }
    #expect(decision == .malformed(.tooManyArguments(count: 9, limit: 8)))
  }
}

@Suite struct ResponseFileTests {
  @Test func responseFileIsExpandedInPlaceWithGccQuoting() {
    let files = ["a.rsp": "-DX='a b' \"-DY=c d\" -DZ=e\\ f\n -O2\t@b.rsp", "b.rsp": "-Iinc"]
    let decision = check("gcc -c @a.rsp x.c -o x.o", files: files)
    let expected: [[UInt8]] = [
      "gcc", "-c", "-DX=a b", "-DY=c d", "-DZ=e f", "-O2", "-Iinc", "x.c", "-o", "x.o",
    ]
    .map { Array($0.utf8) }
    #expect(decision == .allowed(expected))
  }

  @Test func protocolsOneAndTwoCarryNoResponseFiles() {
    #expect(
      check("gcc -c @a.rsp x.c -o x.o")
        == .refused(
          option: "@a.rsp", reason: .responseFile("only a protocol 3 request can carry one")))
    #expect(!check("gcc -c @a.rsp x.c -o x.o", insecure: true).isAllowed)
  }

  @Test func missingNestedLargeAndNulResponseFilesAreRefused() {
    #expect(
      check("gcc -c @nope x.c -o x.o", files: [:])
        == .refused(option: "@nope", reason: .responseFile("not among the request's files")))
    #expect(
      check("gcc -c @loop x.c -o x.o", files: ["loop": "@loop"])
        == .refused(option: "@loop", reason: .responseFile("nested more than 8 deep")))
    let big = String(repeating: "-O2 ", count: 300_000)
    #expect(
      check("gcc -c @big x.c -o x.o", files: ["big": big])
        == .refused(
          option: "@big", reason: .responseFile("larger than the daemon reads (1048576 bytes)")))
    #expect(
      check("gcc -c @nul x.c -o x.o", files: ["nul": "-O2\u{0}-B/tmp"])
        == .refused(option: "@nul", reason: .responseFile("contains a NUL byte")))
  }

  @Test func compileOptionCanComeFromTheResponseFile() {
    #expect(check("gcc @a x.c -o x.o", files: ["a": "-c"]).isAllowed)
  }
}
