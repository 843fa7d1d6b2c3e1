import CompilerArgs
import Testing

/// The options that keep a job on full preprocessing (Docs/distcc.md "Directives-only preprocessing"),
/// one row each: the reason names the option, and the same command without it is directives-only.
@Suite struct DirectivesOnlyFallbackTests {
  static func job(_ options: [String], input: String = "t.c") -> CompileJob {
    CompileJob(
      arguments: ["gcc"] + options + ["-c", input, "-o", "t.o"], input: SourceFile(path: input)!,
      output: "t.o", producesAssembly: false, outputWasAppended: false)
  }

  /// (options, the text the reason must contain; nil: directives-only is used).
  static let table: [([String], String?)] = [
    (["-O2", "-Wall"], nil),
    (["-O2", "-DX=1", "-Iinclude"], nil),
    (["-dD"], nil),
    (["-P"], "line markers"),
    (["--no-line-commands"], "line markers"),
    (["-Wp,-P"], "line markers"),
    (["-Wp,-DX=1,-P"], "line markers"),
    (["-Xpreprocessor", "-P"], "line markers"),
    (["-Wp,-DP=1"], nil),
    (["-Wunused-macros"], "-Wunused-macros"),
    (["-traditional-cpp"], "-traditional-cpp"),
    (["-traditional"], "-traditional"),
    (["-frecord-gcc-switches"], ".GCC.command.line"),
    (["-fdirectives-only"], "preprocessing mode"),
    (["-fpreprocessed"], "preprocessing mode"),
    (["-x", "c"], "explicit language"),
    (["-dM"], "dumps"),
    (["-fpch-preprocess"], "precompiled"),
    (["-g"], "DW_AT_producer"),
    (["-ggdb"], "DW_AT_producer"),
    (["-gdwarf-4"], "DW_AT_producer"),
    (["-g", "-gno-record-gcc-switches"], nil),
    (["-g", "-gno-record-gcc-switches", "-grecord-gcc-switches"], "DW_AT_producer"),
    (["-g", "-g0"], nil),
    (["-g1", "-gno-record-gcc-switches"], nil),
    (["-g3", "-gno-record-gcc-switches"], "macro debug information"),
    (["-ggdb3", "-gno-record-gcc-switches"], "macro debug information"),
    (["-gz"], nil),
  ]

  @Test(arguments: table) func fallbackReason(options: [String], expected: String?) {
    let reason = DirectivesOnly.fallbackReason(for: Self.job(options))
    if let expected {
      #expect(reason?.contains(expected) == true, "\(options): \(reason ?? "nil")")
    } else {
      #expect(reason == nil, "\(options): \(reason ?? "")")
    }
  }

  @Test(arguments: ["t.i", "t.ii", "t.m", "t.mm"]) func onlyCAndCPlusPlusSources(input: String) {
    #expect(DirectivesOnly.fallbackReason(for: Self.job([], input: input)) != nil)
    #expect(DirectivesOnly.fallbackReason(for: Self.job([], input: "t.cpp")) == nil)
  }

  @Test func preprocessorGetsTheOption() {
    #expect(
      Self.job(["-O2"]).directivesOnlyPreprocessorArguments == [
        "gcc", "-O2", "-E", "t.c", "-fdirectives-only",
      ])
  }
}
