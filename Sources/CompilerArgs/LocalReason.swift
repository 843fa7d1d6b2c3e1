/// Why a compiler command must run on this machine rather than be distributed (client.md §4).
///
/// The `description` is 3.4's log text for the same decision.
public enum LocalReason: Error, Sendable, Equatable, CustomStringConvertible {
  /// `-E`: a preprocessor run. 3.4 runs these in the local *cpp* slot pool rather than the compile pool.
  case preprocessOnly
  /// `-M`, `-MM` and other `-M…` options that make the compiler write dependencies only.
  case dependenciesOnly(option: String)
  /// `-march=native` or `-mtune=native`.
  case nativeMachine(option: String)
  /// `-flto` (exactly).
  case linkTimeOptimization
  /// `-Wa,…` asking the assembler for a listing (`,-a…`) or a dependency file (`--MD`).
  case assemblerOutput(option: String)
  /// `-specs=…`.
  case specs(option: String)
  /// Profiling or coverage options (`-fprofile-arcs`, `--coverage`, `-fprofile-use…`, …).
  case profile(option: String)
  /// `-frepo`.
  case repository
  /// `-x LANG` for a language other than C, C++, Objective-C(++) or Go; carries the word after `-x…`.
  case languageOption(language: String)
  /// `-dr…` debug dumps.
  case debugDump(option: String)
  /// A second source file on the command line.
  case twoInputs(first: String, second: String)
  /// A second output (`-o` twice, or `-o` plus a positional `.o`).
  case twoOutputs(first: String, second: String)
  /// `-o` is the last argument.
  case missingOutputName
  /// Neither `-c` nor `-S`: a link or some other non-compile use.
  case notCompiling
  /// No argument with a source extension.
  case noInput
  /// The input is an autoconf test (`conftest.*`, `tmp.conftest.*`).
  case autoconfTest(file: String)
  /// `-o -`.
  case outputToStandardOutput
  /// An option that writes files beside the object which no daemon sends back (`CompileJob.sideFileOption`);
  /// our client's rule, not 3.4's scanner's.
  case sideFiles(option: String)
  /// No `-o`, and the input's basename is too short to derive the default output name from.
  case cannotDeriveOutput(input: String)

  /// Whether 3.4 runs the job in the local preprocessor ("cpp") slot pool instead of the compile pool.
  public var usesPreprocessorSlots: Bool { self == .preprocessOnly }

  public var description: String {
    switch self {
    case .preprocessOnly: "-E call for cpp must be local"
    case .dependenciesOnly(let option): "\(option) implies -E (maybe) and must be local"
    case .nativeMachine(let option) where option.hasPrefix("-mtune"):
      "-mtune=native optimizes for local machine; must be local"
    case .nativeMachine: "-march=native generates code for local machine; must be local"
    case .linkTimeOptimization: "LTO cc invocations are not worth distributing"
    case .assemblerOutput(let option): "\(option) must be local"
    case .specs(let option): "\(option) must be local"
    case .profile: "compiler will emit/use profile info; must be local"
    case .repository: "compiler will emit .rpo files; must be local"
    case .languageOption(let language):
      "gcc's -x handling is complex; running locally for \(language)"
    case .debugDump(let option):
      "gcc's debug option \(option) may write extra files; running locally"
    case .twoInputs: "do we have two inputs?  i give up"
    case .twoOutputs: "called for link?  i give up"
    case .missingOutputName: "-o without a file name; running locally"
    case .notCompiling: "compiler apparently called not for compile"
    case .noInput: "no visible input file"
    case .autoconfTest(let file): "autoconf tests are run locally: \(file)"
    case .outputToStandardOutput: "output to stdout?  running locally"
    case .cannotDeriveOutput(let input): "source file \(input) is bogus"
    case .sideFiles(let option): "\(option) writes files beside the output; must be local"
    }
  }
}
