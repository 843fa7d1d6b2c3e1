/// Directives-only preprocessing (gcc's `-fdirectives-only`) for daemons that announced it: the client's
/// preprocessor handles directives (includes, conditionals, definitions) but expands no macro; the daemon
/// compiles the result with `-fpreprocessed -fdirectives-only`, so macro expansion runs on the server.
///
/// It is used only where it was verified to give the object and the diagnostics of a local compile byte for
/// byte (Docs/distcc.md "Directives-only preprocessing"): the options in ``fallbacks`` keep a job on full
/// preprocessing, each for the reason given.
public enum DirectivesOnly {
  /// The option the client's preprocessor gets.
  public static let preprocessorOption = "-fdirectives-only"
  /// The options the daemon adds when a request asks for the extension.
  public static let compilerOptions = ["-fpreprocessed", "-fdirectives-only"]

  /// An option (or family of options) with which directives-only preprocessing is not exact.
  public struct Fallback: Sendable {
    /// How the option is written in `Docs/distcc.md` and in log lines.
    public var option: String
    /// Why the job keeps full preprocessing.
    public var reason: String
    /// Whether an argument is this option.
    public var matches: @Sendable (String) -> Bool

    /// The first argument after `argv[0]` that one of `fallbacks` matches, as `ARGUMENT: reason`.
    static func firstMatch(in arguments: [String], among fallbacks: [Fallback]) -> String? {
      for argument in arguments.dropFirst() {
        if let fallback = fallbacks.first(where: { $0.matches(argument) }) {
          return "\(argument): \(fallback.reason)"
        }
      }
      return nil
    }
  }

  /// `-P` in any spelling (`--no-line-commands`, a word of `-Wp,…`, or the operand of `-Xpreprocessor`,
  /// which is an argument of its own): the partial output would carry no line markers, so `__FILE__` and
  /// diagnostics would name the daemon's file and the client's checks of the output would see no headers.
  /// A fallback of both partial modes (``RewrittenIncludes/fallbacks`` too).
  public static let noLineMarkers = Fallback(
    option: "-P, -Wp,-P, -Xpreprocessor -P",
    reason: "without line markers __FILE__ and diagnostics would name the daemon's file",
    matches: { argument in
      argument == "-P" || argument == "--no-line-commands"
        || argument.hasPrefix("-Wp,")
          && argument.dropFirst(4).split(separator: ",").contains { $0 == "-P" }
    })

  /// Every option that keeps a job on full preprocessing, with its reason. (Debug information is decided
  /// over the whole command line, ``debugFallback(_:)``.)
  public static let fallbacks: [Fallback] = [
    noLineMarkers,
    Fallback(
      option: "-Wunused-macros",
      reason: "gcc refuses it together with -fdirectives-only",
      matches: { $0 == "-Wunused-macros" }),
    Fallback(
      option: "-traditional, -traditional-cpp",
      reason: "gcc refuses them together with -fdirectives-only",
      matches: { $0 == "-traditional" || $0 == "-traditional-cpp" || $0 == "--traditional-cpp" }),
    Fallback(
      option: "-fopenmp, -fopenmp-simd, -fopenacc",
      reason: "gcc 12 drops OpenMP and OpenACC pragmas from directives-only output",
      matches: { $0 == "-fopenmp" || $0 == "-fopenmp-simd" || $0 == "-fopenacc" }),
    Fallback(
      option: "-frecord-gcc-switches",
      reason: "the object's .GCC.command.line would record the daemon's -fdirectives-only",
      matches: { $0 == "-frecord-gcc-switches" }),
    Fallback(
      option: "-fdirectives-only, -fpreprocessed",
      reason: "the command already asks for a preprocessing mode of its own",
      matches: { $0 == "-fdirectives-only" || $0 == "-fpreprocessed" }),
    Fallback(
      option: "-x LANGUAGE",
      reason: "an explicit language was not verified",
      matches: { $0.hasPrefix("-x") }),
    Fallback(
      option: "-dM, -dN, -dI, -dU",
      reason: "preprocessor dumps were not verified",
      matches: { ["-dM", "-dN", "-dI", "-dU"].contains($0) }),
    Fallback(
      option: "-fpch-preprocess",
      reason: "precompiled headers were not verified",
      matches: { $0 == "-fpch-preprocess" }),
  ]

  /// Why `job` must be preprocessed fully, or `nil` when directives-only preprocessing is exact for it.
  public static func fallbackReason(for job: CompileJob) -> String? {
    guard !job.input.isPreprocessed, job.input.language == .c || job.input.language == .cPlusPlus
    else {
      return "only C and C++ sources are preprocessed directives-only"
    }
    return Fallback.firstMatch(in: job.arguments, among: fallbacks) ?? debugFallback(job.arguments)
  }

  /// `-g…` options that do not change the debug level.
  static let neutralDebugOptions: Set<String> = [
    "-gcolumn-info", "-gstrict-dwarf", "-gas-loc-support", "-gas-locview-support", "-gpubnames",
    "-ggnu-pubnames", "-gdescribe-dies", "-ginline-points", "-ginternal-reset-location-views",
    "-gstatement-frontiers", "-gvariable-location-views",
  ]

  /// Debug information: with `-g` (any level but 0) the object's `DW_AT_producer` records the compiler's
  /// switches, the daemon's `-fdirectives-only` among them, unless `-gno-record-gcc-switches` is given; and
  /// level 3 (`-g3`, `-ggdb3`) records macro definitions, which differ.
  public static func debugFallback(_ arguments: [String]) -> String? {
    var level = 0
    var records = true
    for argument in arguments.dropFirst() where argument.hasPrefix("-g") {
      if argument == "-grecord-gcc-switches" {
        records = true
      } else if argument == "-gno-record-gcc-switches" {
        records = false
      } else if argument.hasPrefix("-gno-") || argument.hasPrefix("-gz")
        || neutralDebugOptions.contains(argument)
      {
        continue
      } else if argument.hasPrefix("-gdwarf") {
        level = max(level, 2)
      } else if argument.hasSuffix("0") {
        level = 0
      } else if argument.hasSuffix("3") {
        level = 3
      } else if argument.hasSuffix("1") {
        level = 1
      } else {
        level = 2
      }
    }
    if level == 3 { return "-g3: the object's macro debug information would differ" }
    if level > 0 && records {
      return "-g: DW_AT_producer would record the daemon's -fdirectives-only "
        + "(-gno-record-gcc-switches allows it)"
    }
    return nil
  }
}

extension CompileJob {
  /// The local preprocessor command for a directives-only request: ``preprocessorArguments`` with
  /// `-fdirectives-only`.
  public var directivesOnlyPreprocessorArguments: [String] {
    preprocessorArguments + [DirectivesOnly.preprocessorOption]
  }
}
