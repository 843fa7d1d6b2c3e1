import Testing

@testable import ServerCore

struct CompileCommandTests {
  static func scan(_ words: String) throws(CompileCommand.Refusal) -> CompileCommand {
    try CompileCommand(scanning: words.split(separator: " ").map { Array($0.utf8) })
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
    let scanned = try CompileCommandTests.scan(command)
    #expect(scanned.sourceText == source)
    #expect(scanned.outputName.map { String(decoding: $0, as: UTF8.self) } == output)
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
    #expect(throws: CompileCommand.Refusal.self) { try CompileCommandTests.scan(command) }
  }

  @Test func positionalObjectIsFailedToFindDashO() {
    #expect {
      try CompileCommandTests.scan("gcc -c t.c foo.o")
    } throws: { error in
      (error as? CompileCommand.Refusal)?.code == 120
    }
  }

  @Test(arguments: [
    ("gcc -c t.c -o t.o", "gcc -c t.c -o /j/out.o"),
    ("gcc -c t.c -ot.o", "gcc -c t.c -o/j/out.o"),
    ("gcc -c t.c", "gcc -c t.c -o /j/out.o"),
  ])
  func outputReplacement(command: String, expected: String) throws {
    let replaced = try CompileCommandTests.scan(command).replacingOutput(
      with: Array("/j/out.o".utf8))
    #expect(replaced.map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ") == expected)
  }

  @Test(arguments: [
    ("t.c", ".i"), ("t.i", ".i"), ("t.cc", ".ii"), ("t.cpp", ".ii"), ("t.C", ".ii"),
    ("t.c++", ".ii"),
    ("t.m", ".mi"), ("t.M", ".mii"), ("t.mm", ".mii"),
  ])
  func preprocessedExtensions(name: String, ext: String) {
    #expect(SourceKind(fileName: Array(name.utf8))?.preprocessedExtension == ext)
  }

  @Test(arguments: ["t.s", "t.S", "t.CPP", "t.", "dir.c/file", "noext"])
  func notSources(name: String) {
    #expect(SourceKind(fileName: Array(name.utf8)) == nil)
  }
}
