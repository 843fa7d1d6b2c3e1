import DistProtocol
import DistTestSupport
import Foundation
import Glibc
import Testing

/// clang's rewritten includes (Docs/distcc.md "Directives-only preprocessing") through a real daemon of ours
/// on loopback with Debian's clang 14: where the client sends `-frewrite-includes` output, the object, the
/// standard error (source excerpts included) and the exit status are a local compile's byte for byte; what
/// would not be falls back to 3.4's full preprocessing, which the daemon's log proves.
@Suite(.serialized, .timeLimit(.minutes(3))) struct RewrittenIncludesTests {
  struct Case: CustomStringConvertible {
    var name: String
    var files: [String: String] = [:]
    var source: String
    var options: [String]
    var compiler = "clang"
    var sourceName = "case.c"
    var rewritten: Bool
    /// Whether a local compile warns (so that the standard errors compared are not empty).
    var warns = false
    /// False where even 3.4's full preprocessing does not give a local compile's object (debug
    /// information names the daemon's directory).
    var objectsMatch = true
    var description: String { name }
  }

  /// A header with macros, `__INCLUDE_LEVEL__` and `__FILE__` (the one gcc's cases use).
  static let header = DirectivesOnlyTests.header
  static let cases: [Case] = [
    Case(
      name: "warnings inside macro expansions", files: ["shared.h": header],
      source: """
        #include "shared.h"
        #define LOCAL_SHIFT(v) ((v) << 50)
        int g(int x) { int y = SHIFT_TOO_FAR(x); return SQUARE(y) + LOCAL_SHIFT(x); }
        short narrow(long v) { return SQUARE(v); }
        int main(void) { int unused; return 0; }

        """, options: ["-O2", "-Wall", "-Wextra", "-Wconversion"], rewritten: true, warns: true),
    Case(
      name: "__FILE__ __LINE__ __FILE_NAME__ __INCLUDE_LEVEL__ in a subdirectory",
      files: ["sub/shared.h": header],
      source: """
        #include "shared.h"
        const char *file = __FILE__; int line = __LINE__; const char *name = __FILE_NAME__;
        int level = __INCLUDE_LEVEL__; int in_header(void) { return include_level(); }
        const char *from_header(void) { return header_file; }

        """, options: ["-O2"], sourceName: "sub/case.c", rewritten: true),
    Case(
      name: "#pragma once in an included header",
      files: ["once.h": "#pragma once\nstatic int once_only;\n"],
      source: "#include \"once.h\"\n#include \"once.h\"\nint x(void) { return once_only; }\n",
      options: ["-O2", "-Wall"], rewritten: true),
    Case(
      name: "#pragma clang diagnostic, _Pragma, #pragma GCC system_header",
      files: ["system.h": "#pragma GCC system_header\nstatic int hidden;\n"],
      source: """
        #include "system.h"
        #pragma clang diagnostic push
        #pragma clang diagnostic ignored "-Wunused-variable"
        static int quiet;
        #pragma clang diagnostic pop
        static int loud;
        #define DO_PRAGMA(x) _Pragma(#x)
        DO_PRAGMA(clang diagnostic push)
        DO_PRAGMA(clang diagnostic ignored "-Wunused-parameter")
        int f(int unused_parameter) { return 0; }
        DO_PRAGMA(clang diagnostic pop)
        int g(int reported) { return 0; }
        #pragma pack(push, 1)
        struct packed { char c; int i; } packed_value;
        #pragma pack(pop)

        """, options: ["-O2", "-Wall", "-Wextra"], rewritten: true, warns: true),
    Case(
      name: "-D, -U, -Wp,-D and -include on the command line", files: ["pre.h": "#define PRE 7\n"],
      source: "int d = FROM_COMMAND_LINE + WP + PRE;\n#ifdef GONE\n#error GONE\n#endif\n",
      options: [
        "-O2", "-DFROM_COMMAND_LINE=42", "-DGONE", "-UGONE", "-Wp,-DWP=1", "-include", "pre.h",
      ], rewritten: true),
    Case(
      name: "-g -gdwarf-4", files: ["shared.h": header],
      source: "#include \"shared.h\"\nint s(int v) { return SQUARE(v); }\n",
      options: ["-O0", "-g", "-gdwarf-4"], rewritten: true),
    Case(
      name: "C++ with clang++", files: ["shared.h": header],
      source: """
        #include "shared.h"
        template <typename T> struct Box { T value; T get() const { return SQUARE(value); } };
        int twice(int x) { return Box<int>{x}.get(); }
        short cut(long v) { return Box<long>{v}.get(); }

        """, options: ["-O2", "-Wall", "-Wconversion", "-std=c++17"], compiler: "clang++",
      sourceName: "case.cpp", rewritten: true, warns: true),
    Case(
      name: "-g (DWARF 5)", files: ["shared.h": header],
      source: "#include \"shared.h\"\nint s(int v) { return SQUARE(v); }\n",
      options: ["-O0", "-g"], rewritten: false, objectsMatch: false),
    Case(
      name: "__DATE__", source: "const char *when = __DATE__;\n", options: ["-O2"],
      rewritten: false),
    Case(
      name: "__TIMESTAMP__", source: "const char *stamp = __TIMESTAMP__;\n", options: ["-O2"],
      rewritten: false),
    Case(
      name: "__COUNTER__ in code, in macros and in #ifdef",
      source: """
        #define JOIN2(a, b) a##b
        #define JOIN(a, b) JOIN2(a, b)
        #define UNIQUE(name) JOIN(name, __COUNTER__)
        int UNIQUE(v) = __COUNTER__; int UNIQUE(v) = __COUNTER__;
        #ifdef __COUNTER__
        int counted = __COUNTER__;
        #endif

        """, options: ["-O2"], rewritten: true),
    Case(
      name: "__COUNTER__ in an #if",
      source: "#if __COUNTER__ == 0\nint first;\n#endif\nint c = __COUNTER__;\n",
      options: ["-O2"], rewritten: false),
    Case(
      name: "#pragma once in the main file", source: "#pragma once\nint x;\n", options: ["-O2"],
      rewritten: false, warns: true),
    Case(
      name: "#warning in a header", files: ["warns.h": "#warning from a header\nint w;\n"],
      source: "#include \"warns.h\"\nint x;\n", options: ["-O2"], rewritten: false, warns: true),
    Case(
      name: "-Wunused-macros", source: "#define ONLY_IN_IF 1\n#if ONLY_IN_IF\nint x;\n#endif\n",
      options: ["-O2", "-Wunused-macros"], rewritten: false),
    Case(
      name: "unused-macros switched on by a pragma",
      source: """
        #pragma clang diagnostic warning "-Wunused-macros"
        #define ONLY_IN_IF 1
        #if ONLY_IN_IF
        int x;
        #endif

        """, options: ["-O2"], rewritten: false),
  ]

  /// Every case through our daemon (which already announced the extension): object bytes, standard error
  /// and exit status equal to a local compile where includes were rewritten, and the daemon got a
  /// rewritten-includes request exactly for those cases.
  @Test func clangMatchesALocalCompile() throws {
    let (world, daemon) = try ClientWorld.withDaemon(.ours)
    defer { daemon.stop() }
    try world.announce(daemon)
    var rewritten = 0
    for (index, example) in Self.cases.enumerated() {
      // TestDirectory.write makes the parent directories (`sub/`).
      for (name, text) in example.files { try world.write(name, text) }
      try world.write(example.sourceName, example.source)
      let (local, remote) = try world.compileLocallyAndRemotely(
        [example.compiler] + example.options + ["-c", example.sourceName, "-o"])
      #expect(remote.status == local.status, "\(example): \(remote.stderr)")
      #expect(local.stderr.isEmpty != example.warns, "\(example): warns: \(local.stderr)")
      if example.rewritten {
        #expect(remote.stderr == local.stderr, "\(example): stderr differs")
      }
      #expect(world.objectsMatch == example.objectsMatch, "\(example): object")
      if example.rewritten { rewritten += 1 }
      #expect(daemon.compiledJobs(expected: index + 1) == index + 1, "\(example)")
      #expect(
        daemon.count("rewritten-includes request") == rewritten,
        "\(example): the daemon \(example.rewritten ? "did not get" : "got") a rewritten-includes request"
      )
      #expect(daemon.count("directives-only request") == 0)
    }
  }

  // Debian's 3.4 daemon, DISTCC_DIRECTIVES_ONLY=0 and hostile requests: DirectivesOnlyTests, for gcc and
  // clang alike.
}
