/// clang's counterpart of directives-only preprocessing (``DirectivesOnly``) for daemons that announced it:
/// the client runs `clang -E -frewrite-includes` (includes expanded, every `#if` evaluated, macros not
/// expanded), and the daemon compiles that text as C or C++ *source* (not as a `.i`: clang would drop its
/// predefined and command-line macros), read from standard input under the client's input name (`-x LANG -
/// -Xclang -main-file-name -Xclang NAME`), so that the object's file symbol and debug names are a local
/// compile's.
///
/// It is used only where it was verified with clang 14 to give the object and the diagnostics of a local
/// compile byte for byte (Docs/distcc.md "Directives-only preprocessing"): the options in ``fallbacks`` and
/// ``debugFallback(_:)`` keep a job on full preprocessing, each for the reason given.
public enum RewrittenIncludes {
  /// The option the client's preprocessor gets.
  public static let preprocessorOption = "-frewrite-includes"
  /// What else it gets: `__COUNTER__` made a syntax error in the directives the client evaluates (every
  /// `#if`, `#elif` and computed `#include`; macros in code are not expanded by the rewrite). A counter read
  /// there would count on the client only and the daemon's values would differ, so such a run fails and the
  /// job is preprocessed fully; without one the output is the same. (Redefining a builtin would warn.)
  public static let counterGuard = ["-D__COUNTER__=(", "-Wno-builtin-macro-redefined"]
  /// The clang major versions this was verified with (another clang keeps full preprocessing).
  public static let verifiedMajorVersions: Set<Substring> = ["14"]

  /// Whether a compiler of `family` and `version` (``CompilerIdentity``'s words) rewrites includes as
  /// verified.
  public static func isVerified(family: String, version: String) -> Bool {
    family == "clang"
      && verifiedMajorVersions.contains(version.split(separator: ".").first ?? "")
  }

  /// Every option that keeps a clang job on full preprocessing, with its reason.
  public static let fallbacks: [DirectivesOnly.Fallback] = [
    DirectivesOnly.noLineMarkers,
    .init(
      option: "-Wunused-macros, -Weverything",
      reason:
        "a macro used only in an #if the client evaluated would be reported unused by the daemon",
      matches: {
        $0 == "-Weverything" || $0.hasSuffix("unused-macros") && !$0.hasPrefix("-Wno-")
      }),
    .init(
      option: "-fdirectives-only, -fpreprocessed, -frewrite-includes",
      reason: "the command already asks for a preprocessing mode of its own",
      matches: {
        $0 == "-fdirectives-only" || $0 == "-fpreprocessed" || $0 == "-frewrite-includes"
      }),
    .init(
      option: "-x LANGUAGE",
      reason: "an explicit language was not verified",
      matches: { $0.hasPrefix("-x") || $0.hasPrefix("--language") }),
    .init(
      option: "-imacros, --include…, --imacros…, -Xpreprocessor",
      reason: "preprocessor inputs in these spellings would reach the daemon",
      matches: {
        $0 == "-imacros" || $0.hasPrefix("--include") || $0.hasPrefix("--imacros")
          || $0 == "-Xpreprocessor"
      }),
    .init(
      option: "-include-pch, -fmodules, -fcxx-modules",
      reason: "precompiled headers and modules were not verified",
      matches: {
        $0 == "-include-pch" || $0 == "-fmodules" || $0 == "-fcxx-modules"
          || $0 == "-fpch-preprocess"
      }),
    .init(
      option: "-dM, -dN, -dI, -dU",
      reason: "preprocessor dumps were not verified",
      matches: { ["-dM", "-dN", "-dI", "-dU"].contains($0) }),
    .init(
      option: "-frecord-command-line, -frecord-gcc-switches, -grecord-command-line, "
        + "-grecord-gcc-switches",
      reason: "the object would record the daemon's command line",
      matches: {
        $0 == "-frecord-command-line" || $0 == "-frecord-gcc-switches"
          || $0 == "-grecord-command-line" || $0 == "-grecord-gcc-switches"
      }),
    .init(
      option: "-fdebug-macro",
      reason: "the object's macro debug information would differ",
      matches: { $0 == "-fdebug-macro" }),
    .init(
      option: "--coverage, -fprofile-arcs, -ftest-coverage, -fprofile-instr-generate, "
        + "-fcoverage-mapping",
      reason: "coverage data records the compile's directory and files (not verified)",
      matches: {
        $0 == "--coverage" || $0 == "-fprofile-arcs" || $0 == "-ftest-coverage"
          || $0.hasPrefix("-fprofile-instr-generate") || $0 == "-fcoverage-mapping"
      }),
    .init(
      option: "-fopenmp",
      reason: "OpenMP was not verified",
      matches: { $0.hasPrefix("-fopenmp") }),
    .init(
      option: "-Wp,… with -D/-U and other operands",
      reason: "its macros must reach the daemon and its other operands must not",
      matches: { argument in
        guard argument.hasPrefix("-Wp,") else { return false }
        let parts = argument.dropFirst(4).split(separator: ",")
        let macros = parts.filter { $0.hasPrefix("-D") || $0.hasPrefix("-U") }.count
        return macros > 0 && macros < parts.count
      }),
  ]

  /// Why `job` (run by a verified clang) must be preprocessed fully, or `nil` when rewriting its includes
  /// is exact for it.
  public static func fallbackReason(for job: CompileJob) -> String? {
    guard !job.input.isPreprocessed, job.input.language == .c || job.input.language == .cPlusPlus
    else {
      return "only C and C++ sources are preprocessed with -frewrite-includes"
    }
    let compiler = SourceFile.basename(of: job.arguments.first ?? "")
    if !compiler.contains("clang") {
      return
        "the compiler's name does not contain clang, for which our daemon refuses rewritten includes"
    }
    if job.input.language == .c, compiler.contains("++") {
      return "clang++ compiles a C source as C++ (with a warning the daemon would not repeat)"
    }
    return DirectivesOnly.Fallback.firstMatch(in: job.arguments, among: fallbacks)
      ?? debugFallback(job.arguments)
  }

  /// Debug information is exact in DWARF 2 to 4 only: DWARF 5 (clang 14's default) records each file's MD5,
  /// which clang cannot compute for text under line markers.
  public static func debugFallback(_ arguments: [String]) -> String? {
    guard debugInformation(arguments) else { return nil }
    var version = 5
    for argument in arguments.dropFirst() where argument.hasPrefix("-gdwarf") {
      if argument == "-gdwarf" {
        version = 5
      } else if let last = argument.last, let number = Int(String(last)),
        argument.hasPrefix("-gdwarf-")
      {
        version = number
      }
    }
    return version >= 5
      ? "-g: DWARF 5 records the files' MD5 sums, which the daemon cannot compute (-gdwarf-4 allows it)"
      : nil
  }

  /// Whether `arguments` ask for debug information: the last `-g…` that sets a level is not `-g0`.
  static func debugInformation(_ arguments: [String]) -> Bool {
    var enabled = false
    for argument in arguments.dropFirst() where argument.hasPrefix("-g") {
      if argument == "-g0" || argument == "-gno-line-tables-only" {
        enabled = false
      } else if argument.hasPrefix("-gno-") || argument.hasPrefix("-gz")
        || argument.hasPrefix("-grecord") || argument.hasPrefix("-gsplit")
        || argument.hasPrefix("-gcolumn") || argument.hasPrefix("-gstrict")
        || argument.hasPrefix("-gpubnames") || argument.hasPrefix("-ggnu-pubnames")
        || argument.hasPrefix("-gembed") || argument == "-gdwarf32" || argument == "-gdwarf64"
      {
        continue
      } else {
        enabled = true
      }
    }
    return enabled
  }
}

extension CompileJob {
  /// The local preprocessor command for a rewritten-includes request: ``preprocessorArguments`` with
  /// `-frewrite-includes` and ``RewrittenIncludes/counterGuard``.
  public var rewriteIncludesPreprocessorArguments: [String] {
    preprocessorArguments + [RewrittenIncludes.preprocessorOption] + RewrittenIncludes.counterGuard
  }

  /// The command sent with a rewritten-includes request: ``serverArguments`` that keeps what the daemon's
  /// clang needs to expand macros as a local compile does (`-D`, `-U`, `-undef`, `-Wp,` lists of only
  /// `-D`/`-U`), plus, with debug information, `-fdebug-compilation-dir=` naming `workingDirectory` (what
  /// clang's driver passes its `-cc1` itself, so the object is the same) unless the command names one.
  public func rewrittenIncludesServerArguments(workingDirectory: @autoclosure () -> String)
    -> [String]
  {
    var result = serverArguments(keepingMacros: true)
    if RewrittenIncludes.debugInformation(arguments),
      !arguments.contains(where: {
        $0.hasPrefix("-fdebug-compilation-dir") || $0.hasPrefix("-ffile-compilation-dir")
      })
    {
      result.append("-fdebug-compilation-dir=" + workingDirectory())
    }
    return result
  }

  /// Whether `argument` defines or undefines macros: `-D…`, `-U…`, `-undef`, or `-Wp,` followed only by
  /// `-D…`/`-U…` operands.
  static func definesMacros(_ argument: String) -> Bool {
    if argument.hasPrefix("-D") || argument.hasPrefix("-U") || argument == "-undef" { return true }
    guard argument.hasPrefix("-Wp,") else { return false }
    let parts = argument.dropFirst(4).split(separator: ",")
    return !parts.isEmpty && parts.allSatisfy { $0.hasPrefix("-D") || $0.hasPrefix("-U") }
  }
}
