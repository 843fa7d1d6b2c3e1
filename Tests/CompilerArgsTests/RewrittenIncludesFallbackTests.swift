import CompilerArgs
import Testing

/// The options that keep a clang job on full preprocessing (Docs/distcc.md "Directives-only
/// preprocessing"), one row each, and the command the daemon gets for a rewritten-includes request.
@Suite struct RewrittenIncludesFallbackTests {
  static func job(_ options: [String], input: String = "t.c", compiler: String = "clang")
    -> CompileJob
  {
    CompileJob(
      arguments: [compiler] + options + ["-c", input, "-o", "t.o"],
      input: SourceFile(path: input)!, output: "t.o", producesAssembly: false,
      outputWasAppended: false)
  }

  /// (options, the text the reason must contain; nil: includes are rewritten).
  static let table: [([String], String?)] = [
    (["-O2", "-Wall"], nil),
    (["-O2", "-DX=1", "-Iinclude", "-include", "pre.h"], nil),
    (["-Wp,-DX=1,-UY"], nil),
    (["-Wp,-MD,t.d"], nil),
    (["-Wp,-MD,t.d,-DX"], "-Wp,"),
    (["-P"], "line markers"),
    (["--no-line-commands"], "line markers"),
    (["-Wp,-P"], "line markers"),
    (["-Wp,-DX=1,-P"], "line markers"),
    (["-Xpreprocessor", "-P"], "-Xpreprocessor"),
    (["-Wunused-macros"], "unused"),
    (["-Werror=unused-macros"], "unused"),
    (["-Wno-unused-macros"], nil),
    (["-Weverything"], "unused"),
    (["-frewrite-includes"], "preprocessing mode"),
    (["-x", "c"], "explicit language"),
    (["-imacros", "m.h"], "preprocessor inputs"),
    (["--include=pre.h"], "preprocessor inputs"),
    (["-Xpreprocessor", "-DX"], "preprocessor inputs"),
    (["-include-pch", "p.pch"], "precompiled"),
    (["-fmodules"], "modules"),
    (["-dM"], "dumps"),
    (["-grecord-command-line", "-gdwarf-4"], "command line"),
    (["-frecord-gcc-switches"], "command line"),
    (["-fdebug-macro"], "macro debug"),
    (["--coverage"], "coverage"),
    (["-fprofile-instr-generate", "-fcoverage-mapping"], "coverage"),
    (["-fopenmp"], "OpenMP"),
    (["-g"], "DWARF 5"),
    (["-ggdb"], "DWARF 5"),
    (["-gline-tables-only"], "DWARF 5"),
    (["-g", "-gdwarf-5"], "DWARF 5"),
    (["-g", "-gdwarf-4", "-gdwarf"], "DWARF 5"),
    (["-g", "-gdwarf-4"], nil),
    (["-gdwarf-4"], nil),
    (["-gdwarf-5", "-gdwarf-4", "-g3"], nil),
    (["-g", "-g0"], nil),
    (["-g", "-gno-column-info", "-gdwarf-2"], nil),
  ]

  /// The daemon refuses rewritten includes for a compiler whose name does not contain `clang` (gcc would
  /// fail on its `-Xclang`), so a clang called `cc` keeps full preprocessing.
  @Test func aCompilerNotNamedClangKeepsFullPreprocessing() {
    let reason = RewrittenIncludes.fallbackReason(for: Self.job([], compiler: "/usr/bin/cc"))
    #expect(reason?.contains("name does not contain clang") == true, "\(reason ?? "nil")")
    #expect(RewrittenIncludes.fallbackReason(for: Self.job([], compiler: "/opt/clang-14")) == nil)
  }

  @Test(arguments: table) func fallbackReason(options: [String], expected: String?) {
    let reason = RewrittenIncludes.fallbackReason(for: Self.job(options))
    if let expected {
      #expect(reason?.contains(expected) == true, "\(options): \(reason ?? "nil")")
    } else {
      #expect(reason == nil, "\(options): \(reason ?? "")")
    }
  }

  @Test(arguments: ["t.i", "t.ii", "t.m", "t.mm"]) func onlyCAndCPlusPlusSources(
    input: String
  ) {
    #expect(RewrittenIncludes.fallbackReason(for: Self.job([], input: input)) != nil)
  }

  @Test func clangPlusPlusWithACSourceFallsBack() {
    let reason = RewrittenIncludes.fallbackReason(for: Self.job([], compiler: "/usr/bin/clang++"))
    #expect(reason?.contains("as C++") == true, "\(reason ?? "nil")")
    #expect(
      RewrittenIncludes.fallbackReason(for: Self.job([], input: "t.cc", compiler: "clang++")) == nil
    )
  }

  @Test(arguments: [
    ("clang", "14.0.6", true), ("clang", "14", true), ("clang", "15.0.7", false),
    ("clang", "13.0.1", false), ("gcc", "14.1.0", false),
  ]) func onlyVerifiedClangs(family: String, version: String, verified: Bool) {
    #expect(RewrittenIncludes.isVerified(family: family, version: version) == verified)
  }

  @Test func preprocessorGetsTheOption() {
    #expect(
      Self.job(["-O2", "-DX"]).rewriteIncludesPreprocessorArguments == [
        "clang", "-O2", "-DX", "-E", "t.c", "-frewrite-includes", "-D__COUNTER__=(",
        "-Wno-builtin-macro-redefined",
      ])
  }

  /// The daemon's command keeps the macros (which the rewritten text does not define) and drops what the
  /// client's preprocessor already did; with debug information it names the client's directory.
  @Test func serverArgumentsKeepMacros() {
    let job = Self.job([
      "-O2", "-D", "A=1", "-DB", "-U", "C", "-UD", "-undef", "-Wp,-DE=2", "-Wp,-MD,t.d", "-I",
      "inc",
      "-Iinc2", "-include", "pre.h", "-MD", "-MF", "t.d", "-isystem", "sys",
    ])
    #expect(
      job.rewrittenIncludesServerArguments(workingDirectory: "/work") == [
        "clang", "-O2", "-D", "A=1", "-DB", "-U", "C", "-UD", "-undef", "-Wp,-DE=2", "-c", "t.c",
        "-o", "t.o",
      ])
    #expect(
      Self.job(["-g", "-gdwarf-4"]).rewrittenIncludesServerArguments(workingDirectory: "/work")
        .last == "-fdebug-compilation-dir=/work")
    #expect(
      !Self.job(["-g", "-gdwarf-4", "-fdebug-compilation-dir=."])
        .rewrittenIncludesServerArguments(workingDirectory: "/work")
        .contains("-fdebug-compilation-dir=/work"))
    #expect(
      !Self.job(["-O2"]).rewrittenIncludesServerArguments(workingDirectory: "/work")
        .contains { $0.hasPrefix("-fdebug-compilation-dir") })
  }
}
