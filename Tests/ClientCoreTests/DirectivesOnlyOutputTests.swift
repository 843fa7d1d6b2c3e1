import DistTestSupport
import Glibc
import Testing

@testable import ClientCore

/// The client's check of directives-only output (Docs/distcc.md "Directives-only preprocessing"), on texts
/// shaped as gcc 12 writes them; the real preprocessor's output is covered by IntegrationTests.
@Suite struct DirectivesOnlyOutputTests {
  static let head =
    "# 0 \"t.c\"\n# 1 \"/w//\"\n# 0 \"<built-in>\"\n#define __GNUC__ 12\n# 1 \"t.c\"\n"

  /// (text after the head, the reason must contain; nil: exact).
  static let table: [(String, String?)] = [
    ("int x = SQUARE(2);\n", nil),
    ("#define __TIMESIZE __WORDSIZE\n#define __TIME_T_TYPE long\n", nil),
    (
      "# 1 \"/usr/include/c++/12/x\" 1 3\n\n       \n# 37 \"/usr/include/c++/12/x\" 3\nint y;\n",
      nil
    ),
    ("       \n# 37 \"/usr/include/c++/12/x\" 1 3 4\n", nil),
    ("#define A 1\n       \n#undef A\n", "consumed a pragma"),
    ("       \n# 2 \"t.c\"\nint z;\n", "consumed a pragma"),
    ("const char *d = __DATE__;\n", "__DATE__"),
    ("const char *t = __TIME__;\n", "__TIME__"),
    ("const char *s = __TIMESTAMP__;\n", "__TIMESTAMP__"),
    ("const char *b = __BASE_FILE__;\n", "__BASE_FILE__"),
  ]

  @Test(arguments: table) func inexactReason(text: String, expected: String?) {
    let reason = DirectivesOnlyOutput.inexactReason(in: Array((Self.head + text).utf8))
    if let expected {
      #expect(reason?.contains(expected) == true, "\(text): \(reason ?? "nil")")
    } else {
      #expect(reason == nil, "\(text): \(reason ?? "")")
    }
  }

  /// (source, the pragma found; nil: none).
  static let pragmas: [(String, String?)] = [
    ("#pragma message(\"x\")\n", "message"),
    ("#  pragma\tmessage \"x\"\n", "message"),
    ("#pragma redefine_extname a b\n", "redefine_extname"),
    ("#pragma messages\n", nil),
    ("// the pragma once used here\n#pragma GCC diagnostic push\n", nil),
    ("_Pragma(\"GCC diagnostic push\")\n", nil),
  ]

  @Test(arguments: pragmas) func vanishingPragmaInSource(source: String, expected: String?) {
    let found = DirectivesOnlyOutput.vanishingPragma(in: Array(source.utf8))
    #expect(found.map { String(decoding: $0, as: UTF8.self) } == expected, "\(source)")
  }

  /// Every file a line marker names is searched (not `<built-in>` nor `-g`'s working directory); one
  /// that cannot be read is reported, as one with `#pragma message` is.
  @Test func filesNamedByLineMarkersAreSearched() throws {
    let directory = try TestDirectory(prefix: "directives-output-")
    _ = try directory.write("t.c", "#include \"clean.h\"\n")
    _ = try directory.write("clean.h", "int clean;\n")
    _ = try directory.write("noisy.h", "#pragma message(\"deprecated\")\n")
    let resolve = { (name: String) in name.hasPrefix("/") ? name : directory.path + "/" + name }
    var none = PragmaFreeFiles(distccDirectory: nil)
    let clean = Array((Self.head + "# 1 \"clean.h\" 1\nint clean;\n# 2 \"t.c\" 2\n").utf8)
    #expect(
      DirectivesOnlyOutput.vanishingPragma(in: clean, resolve: resolve, checked: &none) == nil)
    let noisy = Array((Self.head + "# 1 \"noisy.h\" 1\n# 2 \"t.c\" 2\n").utf8)
    #expect(
      DirectivesOnlyOutput.vanishingPragma(in: noisy, resolve: resolve, checked: &none)?.contains(
        "noisy.h has #pragma message") == true)
    let missing = Array((Self.head + "# 1 \"gone.h\" 1\n").utf8)
    #expect(
      DirectivesOnlyOutput.vanishingPragma(in: missing, resolve: resolve, checked: &none)?.contains(
        "could not be checked") == true)
  }
}
