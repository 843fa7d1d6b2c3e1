import Testing

@testable import ClientCore

/// The client's check of clang's `-frewrite-includes` output (Docs/distcc.md "Directives-only
/// preprocessing"), on texts shaped as clang 14 writes them; the real preprocessor's output is covered by
/// IntegrationTests' RewrittenIncludesTests.
@Suite struct RewrittenIncludesOutputTests {
  static let head = "# 1 \"<built-in>\"\n# 1 \"t.c\"\n"

  /// (text after the head, the reason must contain; nil: exact).
  static let table: [(String, String?)] = [
    ("int x = SQUARE(2);\n", nil),
    ("#define __TIMESIZE __WORDSIZE\n#define __TIME_T_TYPE long\n", nil),
    ("#if 0 /* expanded by -frewrite-includes */\n#pragma once\n#endif\n", nil),
    ("const char *d = __DATE__;\n", "__DATE__"),
    ("const char *t = __TIME__;\n", "__TIME__"),
    ("const char *s = __TIMESTAMP__;\n", "__TIMESTAMP__"),
    ("const char *b = __BASE_FILE__;\n", "__BASE_FILE__"),
    ("#if 0 /* disabled by -frewrite-includes */\n#if __COUNTER__\n#endif\n", "__COUNTER__"),
    ("int c = __COUNTER__; // __COUNTER__ in code is expanded by the daemon alone\n", nil),
    ("#  ifdef __COUNTER__\n#  endif /* __COUNTER__ */\n", nil),
    (
      "#  define ASSERT(c) \\\n    typedef char JOIN(r, __COUNTER__)[(c) ? 1 : -1];\n"
        + "#define ASSERT_X(c, m) ASSERT(c)\nASSERT_X(1, \"x\")\n#ifdef ASSERT\n#endif\n",
      nil
    ),
    ("#define ONE __COUNTER__\n#define TWO ONE\n#if 0\n#  elif \\\n TWO > 1\n#endif\n", "TWO"),
    (
      "#define NEXT __COUNTER__\n#if 0 /* expanded by -frewrite-includes */\n#include NEXT\n",
      "NEXT"
    ),
    ("#define NEXT_ONE __COUNTER__\n#if defined(NEXT)\n#endif\n", nil),
    ("#pragma clang diagnostic warning \"-Wunused-macros\"\n", "unused-macros"),
    ("#pragma clang diagnostic warning \"-Weverything\"\n", "-Weverything"),
    ("_Pragma(\"once\")\n", "\"once\""),
  ]

  @Test(arguments: table) func inexactReason(text: String, expected: String?) {
    let reason = Array((Self.head + text).utf8).withUnsafeBytes {
      RewrittenIncludesOutput.inexactReason(in: $0)
    }
    if let expected {
      #expect(reason?.contains(expected) == true, "\(text): \(reason ?? "nil")")
    } else {
      #expect(reason == nil, "\(text): \(reason ?? "")")
    }
  }
}
