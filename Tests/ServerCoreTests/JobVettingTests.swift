import CompilerArgs
import DistProtocol
import Testing

@testable import ServerCore

/// The daemon's vetting pipeline: policy → scan → whitelist (``JobVetting``), and the output rewrite.
struct JobVettingTests {
  static func words(_ command: String) -> [[UInt8]] {
    command.split(separator: " ").map { Array($0.utf8) }
  }
  static func scan(_ command: String) throws(JobRefusal) -> ScannedCommand {
    try JobVetting.scan(words(command))
  }
  static func vetting(insecure: Bool = false) -> JobVetting {
    var configuration = ServerConfiguration()
    configuration.insecureCompilers = insecure
    return JobVetting(configuration: configuration)
  }
  static func refusal(_ verdict: JobVetting.Verdict) -> JobRefusal? {
    if case .refuse(let refusal) = verdict { return refusal }
    return nil
  }

  @Test(arguments: [
    ("gcc -c hello.c -o hello.o", "hello.c", "hello.o"),
    ("gcc -c -ohello.o hello.c", "hello.c", "hello.o"),
    ("g++ -O2 -c x.cpp -o obj/x.o", "x.cpp", "obj/x.o"),
    ("gcc -x c -c t.c -o t.o", "t.c", "t.o"),
    ("gcc -c -MD -MF d.d -MT t t.c -o t.o", "t.c", "t.o"),
    ("gcc -S t.c -o t.s", "t.c", "t.s"),
    ("gcc -c t.i -o t.o", "t.i", "t.o"),
    ("cc -c t.mm -o t.o", "t.mm", "t.o"),
  ])
  func distributable(command: String, source: String, output: String) throws {
    let arguments = JobVettingTests.words(command)
    let scanned = try JobVetting.scan(arguments)
    #expect(String(decoding: arguments[scanned.inputIndex], as: UTF8.self) == source)
    #expect(
      scanned.output.name(in: arguments).map { String(decoding: $0, as: UTF8.self) } == output)
  }

  @Test(arguments: [
    "gcc -E t.c -o t.i", "gcc -c a.c b.c -o t.o", "gcc t.c -o t", "gcc -c t.c -o -",
    "gcc -c t.h -o t.o",
    "gcc -M -c t.c -o t.o", "gcc -c t.c -march=native -o t.o", "gcc -c conftest.c -o conftest.o",
    "gcc -c t.c -o a.o -o b.o", "gcc -c t.c foo.o", "-c t.c -o t.o", "gcc -c t.c -o",
    "gcc -x assembler -c t.c -o t.o",
    "gcc -c t.c -specs=x -o t.o", "gcc -flto -c t.c -o t.o", "gcc -fprofile-generate -c t.c -o t.o",
  ])
  func refused(command: String) {
    #expect(throws: JobRefusal.self) { try JobVettingTests.scan(command) }
  }

  /// A bare `foo.o` is the output for 3.4's scanner on both sides (client.md §4.3), but the daemon has
  /// no `-o` to rewrite: 3.4's daemon logs `failed to find "-o"` and drops the job with `ret:100`
  /// (Debian's distccd, 2026-12-05); ours refuses with that reason and code.
  @Test func positionalObjectIsFailedToFindDashO() throws {
    let arguments = JobVettingTests.words("gcc -c t.c foo.o")
    #expect(try ArgumentScanner.scan(arguments, side: .daemon).output == .positional(index: 3))
    #expect(try ArgumentScanner.scan(arguments, side: .client).output == .positional(index: 3))
    #expect(throws: JobRefusal(reason: "failed to find \"-o\"", level: .error, code: .distccFailed))
    {
      try JobVettingTests.scan("gcc -c t.c foo.o")
    }
  }

  @Test(arguments: [
    ("gcc -c t.c -o t.o", "gcc -c t.c -o /j/out.o"),
    ("gcc -c t.c -ot.o", "gcc -c t.c -o/j/out.o"),
    ("gcc -c t.c", "gcc -c t.c -o /j/out.o"),
  ])
  func outputReplacement(command: String, expected: String) throws {
    let arguments = JobVettingTests.words(command)
    let replaced = PreparedJob.replacingOutput(
      arguments, at: try JobVetting.scan(arguments).output, with: Array("/j/out.o".utf8))
    #expect(replaced.map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ") == expected)
  }

  @Test(arguments: [
    ("t.c", ".i"), ("t.i", ".i"), ("t.cc", ".ii"), ("t.cpp", ".ii"), ("t.C", ".ii"),
    ("t.c++", ".ii"),
    ("t.m", ".mi"), ("t.M", ".mii"), ("t.mm", ".mii"),
  ])
  func preprocessedExtensions(name: String, ext: String) {
    #expect(
      SourceFile.classify(Array(name.utf8)).map { "." + $0.language.preprocessedExtension } == ext)
  }

  @Test(arguments: ["t.s", "t.S", "t.CPP", "t.", "dir.c/file", "noext"])
  func notSources(name: String) {
    #expect(SourceFile.classify(Array(name.utf8)) == nil)
  }

  /// `-fplugin=` and `-specs=` are refused once, by the first stage (the argument policy), in every
  /// protocol and even with `--enable-tcp-insecure`; 3.4's whitelist check for them is not repeated.
  @Test(arguments: ["-fplugin=/x.so", "-specs=/x"])
  func pluginAndSpecsRefusedByThePolicyEvenWhenInsecure(option: String) throws {
    let request = Request(
      version: .v2, arguments: JobVettingTests.words("gcc -c t.c -o t.o \(option)"))
    let refusal = try #require(
      JobVettingTests.refusal(JobVettingTests.vetting(insecure: true).vet(request)))
    #expect(refusal.reason.hasPrefix("option \(option) refused: "))
    #expect(refusal.level == .warning)
    #expect(refusal.code == .distccFailed)
  }

  /// The stages run in order: a command the policy refuses never reaches the scan, one the scan keeps
  /// local never reaches the whitelist.
  @Test func firstFailingStageNamesTheReason() throws {
    let vetting = JobVettingTests.vetting()
    func reason(_ command: String) throws -> String {
      let request = Request(version: .v1, arguments: JobVettingTests.words(command))
      return try #require(JobVettingTests.refusal(vetting.vet(request))).reason
    }
    // policy before scan: the scan would say "-E call for cpp must be local".
    #expect(try reason("gcc -c -E t.c -o t.i").hasPrefix("option -E refused: "))
    // scan before whitelist: a compiler off the whitelist with a local-only option.
    #expect(try reason("not-a-compiler -c t.c -march=native -o t.o").contains("-march=native"))
    #expect(try reason("not-a-compiler -c t.c -o t.o").contains("whitelist"))
    guard case .malformed = vetting.vet(Request(version: .v1, arguments: [[]])) else {
      Issue.record("an empty compiler name is a protocol error")
      return
    }
  }

  @Test func vettedRequestKeepsTheClientsNamesAndExpandsResponseFiles() throws {
    let request = Request(
      version: .v3, workingDirectory: Array("/src".utf8),
      arguments: JobVettingTests.words("gcc @args.rsp"),
      files: [
        IncludedFile(name: Array("/src/args.rsp".utf8), content: .file(Array("-c t.c -o t.o".utf8)))
      ])
    guard case .run(let vetted) = JobVettingTests.vetting(insecure: true).vet(request) else {
      Issue.record("refused")
      return
    }
    #expect(vetted.arguments == JobVettingTests.words("gcc -c t.c -o t.o"))
    #expect(vetted.compiler == "gcc")
    #expect(vetted.source == Array("t.c".utf8))
    #expect(vetted.scanned.output == .separate(valueIndex: 4))
  }
}
