import DistPosix
import DistTestSupport
import Glibc
import Testing

@testable import ServerCore

struct FakeRootTests {
  @Test(arguments: ["relative", "/a/../b", "/..", "/a/b/..", "", "/a/\u{0}b"])
  func refusedNames(name: String) {
    #expect(throws: FakeRoot.Refusal.self) { try FakeRoot.components(of: Array(name.utf8)) }
  }

  @Test(arguments: [("/a/b", ["a", "b"]), ("//a/./b/", ["a", "b"]), ("/", [])])
  func components(name: String, expected: [String]) throws {
    #expect(try FakeRoot.components(of: Array(name.utf8)) == expected)
  }

  static func withRoot(_ body: (FakeRoot, String) throws -> Void) throws {
    var template = Array("/tmp/fakeroot-test-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw FakeRoot.Refusal(description: "mkdtemp") }
    let base = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    _ = made
    defer { try? TemporaryFiles.removeTree(base) }
    try body(try FakeRoot(path: base + "/root"), base)
  }

  @Test func filesAndLinksStayInside() throws {
    try FakeRootTests.withRoot { root, base in
      try root.writeFile(Array("/src/a.c".utf8), Array("int a;".utf8))
      #expect(access(root.path + "/src/a.c", R_OK) == 0)
      try root.writeLink(Array("/src/inc".utf8), target: Array("/usr/include".utf8))
      var buffer = [CChar](repeating: 0, count: 512)
      let length = readlink(root.path + "/src/inc", &buffer, 511)
      #expect(
        String(decoding: buffer[0..<max(0, length)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
          == root.path + "/usr/include")
      try root.writeLink(Array("/src/sub/up".utf8), target: Array("../a.c".utf8))
      #expect(throws: FakeRoot.Refusal.self) {
        try root.writeLink(Array("/src/out".utf8), target: Array("../../x".utf8))
      }
      #expect(throws: FakeRoot.Refusal.self) {
        try root.writeLink(Array("/src/out".utf8), target: Array("sub/../../../x".utf8))
      }
      // A link sent earlier cannot redirect a later write.
      try root.writeLink(Array("/esc".utf8), target: Array("/".utf8))
      #expect(throws: FakeRoot.Refusal.self) {
        try root.writeFile(Array("/esc/x".utf8), Array("x".utf8))
      }
      #expect(access(base + "/x", F_OK) != 0)
      #expect(try root.makeDirectory(Array("/home/u".utf8)) == root.path + "/home/u")
    }
  }

  @Test func commandLineRewriting() throws {
    try FakeRootTests.withRoot { root, _ in
      var arguments =
        "gcc -c /home/u/proj/src/p.c -o /j/out.o -I/home/u/proj/inc -isystem /opt/sys -iquote rel -MD -MF deps/p.d -MT custom-target"
        .split(separator: " ").map { Array($0.utf8) }
      let target = PreparedJob.rewriteForRoot(&arguments, root: root, sourceIndex: 2)
      #expect(target.map { String(decoding: $0, as: UTF8.self) } == "custom-target")
      let r = root.path
      #expect(
        arguments.map { String(decoding: $0, as: UTF8.self) }
          == [
            "gcc", "-c", "\(r)/home/u/proj/src/p.c", "-o", "/j/out.o", "-I\(r)/home/u/proj/inc",
            "-isystem", "\(r)/opt/sys",
            "-iquote", "rel", "-MD", "-MF", "deps/p.d",
          ])
    }
  }

  @Test func dependencyFileRewriting() {
    let root = "/tmp/distccd_AbCdEf/root"
    let input =
      "/tmp/distccd_AbCdEf/output.o: /tmp/distccd_AbCdEf/root/home/u/p.c \\\n /usr/include/stdio.h /tmp/distccd_AbCdEf/root/home/u/inc/g.h\n"
    let output = PreparedJob.dependencyFile(
      Array(input.utf8), objectPath: "/tmp/distccd_AbCdEf/output.o", target: Array("custom".utf8),
      root: root)
    // The root gone, the rule fits on one line, as the client's gcc writes it (3.4 kept the server's breaks).
    #expect(
      String(decoding: output, as: UTF8.self)
        == "custom: /home/u/p.c /usr/include/stdio.h /home/u/inc/g.h\n")
  }

  @Test func rootIsScrubbedFromObjects() {
    var object = Array("ab/tmp/distccd_X/rootcd/tmp/distccd_X/root".utf8)
    PreparedJob.scrubRoot(&object, root: "/tmp/distccd_X/root")
    #expect(String(decoding: object, as: UTF8.self) == "ab///////////////////cd///////////////////")
  }

  /// More directories than are kept open, visited in turn and again: every file lands where it belongs,
  /// and a directory made earlier can be replaced by neither a link nor a file.
  @Test func manyDirectoriesRevisited() throws {
    try FakeRootTests.withRoot { root, _ in
      let count = FakeRoot.maxOpenDirectories + 20
      for pass in ["a", "b"] {
        for index in 0..<count {
          try root.writeFile(
            Array("/usr/d\(index)/sub/\(pass).h".utf8), Array("// \(index)\(pass)".utf8))
        }
      }
      for index in [0, count / 2, count - 1] {
        for pass in ["a", "b"] {
          let file = root.path + "/usr/d\(index)/sub/\(pass).h"
          #expect(access(file, R_OK) == 0, "\(file)")
        }
      }
      #expect(throws: FakeRoot.Refusal.self) {
        try root.writeLink(Array("/usr/d0/sub".utf8), target: Array("/etc".utf8))
      }
      #expect(throws: FakeRoot.Refusal.self) {
        try root.writeFile(Array("/usr/d\(count - 1)/sub".utf8), [1])
      }
      var info = stat()
      #expect(lstat(root.path + "/usr/d0/sub", &info) == 0 && info.st_mode & S_IFMT == S_IFDIR)
      try root.writeFile(Array("/usr/d0/sub/c.h".utf8), [1])
      #expect(access(root.path + "/usr/d0/sub/c.h", R_OK) == 0)
    }
  }
}
