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
    ("int c = __COUNTER__;\n#ifdef __COUNTER__\n#endif\n", nil),
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
