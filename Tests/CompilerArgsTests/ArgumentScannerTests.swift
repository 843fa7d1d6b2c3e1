import CompilerArgs
import Testing

/// One row: a command (after `distcc`, already rewritten) and the expected verdict.
struct ScanCase: CustomStringConvertible, Sendable {
  var command: String
  var expected: Expected
  enum Expected: Sendable {
    case remote(arguments: String, input: String, output: String)
    case local(LocalReason)
  }
  var description: String { command }
  var arguments: [String] { command.split(separator: " ").map(String.init) }
}

private func remote(_ command: String, _ arguments: String, input: String, output: String)
  -> ScanCase
{
  ScanCase(command: command, expected: .remote(arguments: arguments, input: input, output: output))
}
private func local(_ command: String, _ reason: LocalReason) -> ScanCase {
  ScanCase(command: command, expected: .local(reason))
}

/// Every example of client.md §4.5, plus edge cases of §4.1–4.4.
let scanCases: [ScanCase] = [
  // §4.5 verified examples.
  remote("gcc -c hello.c", "gcc -c hello.c -o hello.o", input: "hello.c", output: "hello.o"),
  remote("gcc -c hello.c -oout2.o", "gcc -c hello.c -oout2.o", input: "hello.c", output: "out2.o"),
  remote("gcc -S hello.c", "gcc -S hello.c -o hello.s", input: "hello.c", output: "hello.s"),
  local("gcc -E hello.c", .preprocessOnly),
  local("gcc -M hello.c", .dependenciesOnly(option: "-M")),
  local("gcc -MM hello.c", .dependenciesOnly(option: "-MM")),
  local("gcc -c -MM hello.c -o x.o", .dependenciesOnly(option: "-MM")),
  local("gcc hello.c -o hello_exe", .notCompiling),
  local("gcc -c hello.c hello.cpp", .twoInputs(first: "hello.c", second: "hello.cpp")),
  local("gcc -c hello.c -o -", .outputToStandardOutput),
  local("gcc -c conftest.c", .autoconfTest(file: "conftest.c")),
  local("gcc -c sub/tmp.conftest.c", .autoconfTest(file: "sub/tmp.conftest.c")),
  remote("g++ -c x.cpp", "g++ -c x.cpp -o x.o", input: "x.cpp", output: "x.o"),
  remote("g++ -c x.cc", "g++ -c x.cc -o x.o", input: "x.cc", output: "x.o"),
  remote("g++ -c x.cxx", "g++ -c x.cxx -o x.o", input: "x.cxx", output: "x.o"),
  remote("g++ -c x.C", "g++ -c x.C -o x.o", input: "x.C", output: "x.o"),
  remote("g++ -c x.c++", "g++ -c x.c++ -o x.o", input: "x.c++", output: "x.o"),
  remote("g++ -c x.cp", "g++ -c x.cp -o x.o", input: "x.cp", output: "x.o"),
  remote("gcc -c hello.i", "gcc -c hello.i -o hello.o", input: "hello.i", output: "hello.o"),
  remote("g++ -c hello.ii", "g++ -c hello.ii -o hello.o", input: "hello.ii", output: "hello.o"),
  local("gcc -c a.s", .noInput),
  local("gcc -c b.S", .noInput),
  remote(
    "gcc -c hello.c -MD", "gcc -c hello.c -MD -o hello.o", input: "hello.c", output: "hello.o"),
  remote(
    "gcc -c hello.c -MMD -MF d.d", "gcc -c hello.c -MMD -MF d.d -o hello.o", input: "hello.c",
    output: "hello.o"),
  remote(
    "gcc -c hello.c -MD -MT t -MQ t2", "gcc -c hello.c -MD -MT t -MQ t2 -o hello.o",
    input: "hello.c",
    output: "hello.o"),
  local("gcc -c hello.c -march=native", .nativeMachine(option: "-march=native")),
  local("gcc -c hello.c -mtune=native", .nativeMachine(option: "-mtune=native")),
  local("gcc -c hello.c -flto", .linkTimeOptimization),
  local("gcc -c hello.c -frepo", .repository),
  local("gcc -c hello.c -fprofile-arcs", .profile(option: "-fprofile-arcs")),
  local("gcc -c hello.c --coverage", .profile(option: "--coverage")),
  local("gcc -c hello.c -fprofile-use", .profile(option: "-fprofile-use")),
  local("gcc -c hello.c -specs=x", .specs(option: "-specs=x")),
  local("gcc -c hello.c -drtl", .debugDump(option: "-drtl")),
  local("gcc -c hello.c -Wa,-adhln=x.lst", .assemblerOutput(option: "-Wa,-adhln=x.lst")),
  local("gcc -c hello.c -Wa,--MD,x.d", .assemblerOutput(option: "-Wa,--MD,x.d")),
  remote(
    "gcc -c -x c hello.c", "gcc -c -x c hello.c -o hello.o", input: "hello.c", output: "hello.o"),
  remote(
    "gcc -c -x c++ hello.c", "gcc -c -x c++ hello.c -o hello.o", input: "hello.c", output: "hello.o"
  ),
  local("gcc -c -xc hello.c", .languageOption(language: "hello.c")),
  local("gcc -c -x assembler a.s", .languageOption(language: "assembler")),
  remote("cc -c hello.c", "cc -c hello.c -o hello.o", input: "hello.c", output: "hello.o"),
  remote("cc hello.c -c", "cc hello.c -c -o hello.o", input: "hello.c", output: "hello.o"),
  local("cc --foo", .notCompiling),
  // §4.3 outputs.
  local("gcc -c -o a.o x.c -o b.o", .twoOutputs(first: "a.o", second: "b.o")),
  remote("gcc -c hello.c foo.o", "gcc -c hello.c foo.o", input: "hello.c", output: "foo.o"),
  remote(
    "gcc -c src/deep/hello.c", "gcc -c src/deep/hello.c -o hello.o", input: "src/deep/hello.c",
    output: "hello.o"),
  remote(
    "gcc -c hello.c -o sub/dir/out.o", "gcc -c hello.c -o sub/dir/out.o", input: "hello.c",
    output: "sub/dir/out.o"),
  local("gcc -c hello.c -o", .missingOutputName),
  local("gcc -c .c", .cannotDeriveOutput(input: ".c")),
  remote("gcc -c a.c", "gcc -c a.c -o a.o", input: "a.c", output: "a.o"),
  // Options distributed by 3.4.
  remote(
    "gcc -c hello.c -save-temps -g -O2 -fPIC -flto=auto -Wa,--noexecstack -o h.o",
    "gcc -c hello.c -save-temps -g -O2 -fPIC -flto=auto -Wa,--noexecstack -o h.o", input: "hello.c",
    output: "h.o"),
  // Case-sensitive extensions, odd names.
  local("gcc -c hello.CPP", .noInput),
  local("gcc -c hello.", .noInput),
  remote("gcc -c x.m", "gcc -c x.m -o x.o", input: "x.m", output: "x.o"),
  remote("gcc -c x.M", "gcc -c x.M -o x.o", input: "x.M", output: "x.o"),
  remote("gcc -c x.mi", "gcc -c x.mi -o x.o", input: "x.mi", output: "x.o"),
  // -MF value is skipped even when it looks like a source.
  remote("gcc -c a1.c -MF b.c", "gcc -c a1.c -MF b.c -o a1.o", input: "a1.c", output: "a1.o"),
  // -x at the end of the line, and -x with a language that starts with "c".
  remote("gcc -c x.c -x", "gcc -c x.c -x -o x.o", input: "x.c", output: "x.o"),
  remote(
    "gcc -c -x cpp-output x.i", "gcc -c -x cpp-output x.i -o x.o", input: "x.i", output: "x.o"),
  local("gcc -c", .noInput),
]

@Test(arguments: scanCases)
func scannerMatchesDistcc34(_ row: ScanCase) {
  let result = ArgumentScanner.scan(row.arguments)
  switch row.expected {
  case .remote(let arguments, let input, let output):
    let job = result.job
    #expect(job?.arguments.joined(separator: " ") == arguments)
    #expect(job?.input.path == input)
    #expect(job?.output == output)
  case .local(let reason):
    #expect(result.localReason == reason)
  }
}

@Test func reasonsCarry34LogText() {
  #expect(LocalReason.preprocessOnly.description == "-E call for cpp must be local")
  #expect(
    LocalReason.twoInputs(first: "a", second: "b").description
      == "do we have two inputs?  i give up")
  #expect(
    LocalReason.languageOption(language: "hello.c").description
      == "gcc's -x handling is complex; running locally for hello.c")
  #expect(LocalReason.preprocessOnly.usesPreprocessorSlots)
  #expect(!LocalReason.notCompiling.usesPreprocessorSlots)
}

@Test func sourceFilesClassifyPreprocessedExtensions() throws {
  let cases: [(String, SourceFile.Language, Bool)] = [
    ("a.c", .c, false), ("a.i", .c, true), ("a.cc", .cPlusPlus, false), ("a.ii", .cPlusPlus, true),
    ("a.m", .objectiveC, false), ("a.mi", .objectiveC, true), ("a.mm", .objectiveCPlusPlus, false),
    ("a.mii", .objectiveCPlusPlus, true),
  ]
  for (path, language, preprocessed) in cases {
    let file = try #require(SourceFile(path: path))
    #expect(file.language == language)
    #expect(file.isPreprocessed == preprocessed)
  }
  #expect(SourceFile(path: "a.c")?.language.preprocessedExtension == "i")
  #expect(SourceFile(path: "a.mm")?.language.preprocessedExtension == "mii")
  #expect(SourceFile(path: "dir.c/file") == nil)
  #expect(SourceFile(path: "a.h") == nil)
}
