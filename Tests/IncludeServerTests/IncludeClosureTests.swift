import DistTestSupport
import Glibc
import Testing

@testable import IncludeServer

/// Closures of real files in a temporary tree, with gcc's real default directories.
struct IncludeClosureTests {
  let directory: TestDirectory
  let analyzer = IncludeAnalyzer()

  init() throws { directory = try TestDirectory(prefix: "include-closure-") }

  func closure(_ arguments: [String]) throws -> IncludeClosure {
    try analyzer.closure(workingDirectory: directory.path, arguments: arguments)
  }

  func files(_ closure: IncludeClosure) -> [String] {
    closure.entries.compactMap {
      if case .file(let path) = $0 { String(path.dropFirst(directory.path.count + 1)) } else { nil }
    }
  }

  @Test func includeNextSearchesAfterTheIncludersDirectory() throws {
    _ = try directory.write("a/wrap.h", "#include_next <wrap.h>\n")
    _ = try directory.write("b/wrap.h", "#define WRAPPED 1\n")
    _ = try directory.write("c/wrap.h", "#error never reached\n")
    _ = try directory.write("main.c", "#include <wrap.h>\n#include <stdio.h>\n")
    let result = try closure(["gcc", "-Ia", "-Ib", "-Ic", "-c", "main.c"])
    #expect(files(result) == ["main.c", "a/wrap.h", "b/wrap.h"])
    // stdio.h and what it includes stay on the servers, and are counted.
    #expect(result.systemFileCount > 5)
  }

  @Test func symlinksGoAsLinksAndDotDotNeedsItsDirectory() throws {
    _ = try directory.write("real/inc/x.h", "#include \"../up.h\"\n")
    _ = try directory.write("real/up.h", "\n")
    #expect(symlink("real/inc", directory.appending("alias")) == 0)
    _ = try directory.write("main.c", "#include \"alias/x.h\"\n")
    let result = try closure(["gcc", "-c", "main.c", "-o", "main.o"])
    let root = directory.path
    #expect(result.entries.contains(.link(root + "/alias", target: "real/inc")))
    #expect(result.entries.contains(.file(root + "/real/inc/x.h")))
    // `alias/../up.h` is `real/up.h` physically: the server needs real/inc to exist to climb out of it.
    #expect(result.entries.contains(.directory(root + "/real/inc")))
    #expect(result.entries.contains(.file(root + "/real/up.h")))
  }

  @Test func systemDirectoryThroughARewrittenPathBecomesALink() throws {
    // (A default directory given again is dropped, as gcc drops it; a directory below one is not.)
    _ = try directory.write("main.c", "#include <types.h>\n")
    let result = try closure([
      "gcc", "-isystem", "/usr/include/x86_64-linux-gnu/sys", "-c", "main.c",
    ])
    #expect(result.entries.contains(.systemDirectory("/usr/include")))
    #expect(files(result) == ["main.c"])
  }

  @Test func forcedIncludesAndCommandLineMacros() throws {
    _ = try directory.write("force.h", "#define FORCED 1\n")
    _ = try directory.write("conf/picked.h", "\n")
    _ = try directory.write("main.c", "#include CONFIG\n")
    let result = try closure([
      "gcc", "-include", "force.h", "-DCONFIG=\"conf/picked.h\"", "-c", "main.c",
    ])
    #expect(files(result) == ["force.h", "main.c", "conf/picked.h"])
  }

  @Test func definitionsFoundLaterStillCount() throws {
    // The macro is defined in a header reached after the computed include: the walk repeats.
    _ = try directory.write("main.c", "#include \"first.h\"\n#include \"defs.h\"\n")
    _ = try directory.write("first.h", "#include TARGET\n")
    _ = try directory.write("defs.h", "#define TARGET \"late.h\"\n")
    _ = try directory.write("late.h", "\n")
    #expect(
      files(try closure(["gcc", "-c", "main.c"])) == ["main.c", "first.h", "defs.h", "late.h"])
  }

  @Test func givesUpRatherThanGuessing() throws {
    _ = try directory.write("main.c", "#include UNKNOWN_MACRO\n")
    #expect(throws: IncludeAnalyzer.GaveUp.self) { try closure(["gcc", "-c", "main.c"]) }
    _ = try directory.write("pre.i", "int x;\n")
    #expect(throws: IncludeAnalyzer.GaveUp.self) { try closure(["gcc", "-c", "pre.i"]) }
  }

  @Test func aHeaderCreatedAfterAQueryIsFound() throws {
    _ = try directory.write(
      "main.c", "#if __has_include(\"later.h\")\n#include \"later.h\"\n#endif\n")
    #expect(files(try closure(["gcc", "-c", "main.c"])) == ["main.c"])
    _ = try directory.write("later.h", "\n")
    #expect(files(try closure(["gcc", "-c", "main.c"])) == ["main.c", "later.h"])
  }
}
