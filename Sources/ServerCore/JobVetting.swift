import CompilerArgs
import CompilerPolicy
import DistProtocol

/// The daemon's vetting of a request: one ordered pipeline whose first failing stage ends the job with
/// its one reason (Docs/security.md, Docs/architecture.md):
///
/// 1. **policy**: ``ArgumentPolicy``'s option table on the client's own command line, `@FILE` response
///    files read from the request's uploaded files only and expanded. A malformed command line (no
///    arguments, NUL bytes, absurd sizes) is a protocol error.
/// 2. **scan**: 3.4's scanner (``ArgumentScanner``, ``ScanSide/daemon``) on the expanded vector: one
///    input, nothing 3.4 keeps local, an output the daemon can rewrite (3.4's `dcc_set_output`); a
///    directives-only or rewritten-includes request (``checkPartialPreprocessing(_:arguments:scanned:)``)
///    sends a C or C++ source (rewritten includes: to a clang).
/// 3. **whitelist**: 3.4's compiler whitelist (``CompilerWhitelist``), which may map `argv[0]`.
///
/// Nothing is written before a request passes; the fourth stage, **confinement**
/// (``CompilerConfinement``), applies when the compiler is spawned.
struct JobVetting: Sendable {
  var policy: ArgumentPolicy = .standard
  /// `--enable-tcp-insecure`: options missing from the table pass (refused ones never do) and any
  /// compiler name passes the whitelist.
  var insecure: Bool
  var whitelist: CompilerWhitelist

  init(configuration: ServerConfiguration) {
    insecure = configuration.insecureCompilers
    whitelist = CompilerWhitelist(configuration: configuration)
  }

  /// A request that passed.
  struct Vetted {
    /// The vector to run: response files expanded, `argv[0]` as the whitelist maps it.
    var arguments: [[UInt8]]
    /// Where its input and output are.
    var scanned: ScannedCommand
    /// `argv[0]` and the input as the client sent them, for the job summary and log.
    var compiler: String
    var source: [UInt8]
  }

  enum Verdict {
    case run(Vetted)
    /// Refuse with a complete reply (the client compiles locally).
    case refuse(JobRefusal)
    /// A protocol error: log this line and close the connection.
    case malformed(String)
  }

  func vet(_ request: Request) -> Verdict {
    let request =
      request.version.serverPreprocesses ? JobVetting.withoutDependencyFileNames(request) : request
    let decision = checkPolicy(request)
    let arguments: [[UInt8]]
    switch decision {
    case .allowed(let expanded): arguments = expanded
    case .refused:
      return .refuse(
        JobRefusal(reason: decision.explanation, level: .warning, code: .distccFailed))
    case .malformed: return .malformed(decision.explanation)
    }
    do {
      let scanned = try JobVetting.scan(arguments)
      try JobVetting.checkPartialPreprocessing(request, arguments: arguments, scanned: scanned)
      return .run(
        Vetted(
          arguments: try whitelist.check(arguments), scanned: scanned,
          compiler: String(decoding: arguments[0], as: UTF8.self),
          source: arguments[scanned.inputIndex]))
    } catch {
      return .refuse(error)
    }
  }

  /// Protocol 3: `request` without the client's `-MF FILE` and `-MFFILE` options. The daemon names the
  /// dependency file itself (``PreparedJob`` appends its own `-MF` after them, as 3.4 does, whose gcc takes
  /// the last), and the client writes the `DOTD` reply where its own command line says, so the client's name
  /// is no path on this host: an absolute or `..` name, refused in protocols 1 and 2 (whose clients strip
  /// `-MF`), does not refuse a pump job. `-Wp,-MD,FILE`, which the compiler proper writes itself, and `-MF`
  /// in a response file are still vetted. A trailing `-MF` without its name is left for the policy.
  static func withoutDependencyFileNames(_ request: Request) -> Request {
    var kept: [[UInt8]] = []
    kept.reserveCapacity(request.arguments.count)
    var index = 0
    let arguments = request.arguments
    while index < arguments.count {
      let argument = arguments[index]
      if argument.elementsEqual("-MF".utf8), index + 1 < arguments.count {
        index += 2
        continue
      }
      if argument.count > 3, argument.starts(with: "-MF".utf8) {
        index += 1
        continue
      }
      kept.append(argument)
      index += 1
    }
    var stripped = request
    stripped.arguments = kept
    return stripped
  }

  /// Stage 1: the argument policy.
  func checkPolicy(_ request: Request) -> ArgumentDecision {
    guard request.version.serverPreprocesses else {
      return policy.check(request.arguments, insecure: insecure)
    }
    return policy.check(request.arguments, insecure: insecure) { path in
      request.uploadedFile(path)
    }
  }

  /// Stage 2b: a request that asks for directives-only preprocessing (`XREQ` bit 4, for which the daemon
  /// adds `-fpreprocessed -fdirectives-only` itself, ``PreparedJob``) or sends rewritten includes (bit 8,
  /// compiled from standard input as source) must send a C or C++ source it preprocessed (protocol 1 or 2,
  /// not a `.i`), and only one of the two: anything else would compile in that mode something the client
  /// did not preprocess that way. Rewritten includes go to a compiler whose `argv[0]` base name contains
  /// `clang` only: gcc would fail on the `-Xclang -main-file-name` the daemon appends.
  static func checkPartialPreprocessing(
    _ request: Request, arguments: [[UInt8]], scanned: ScannedCommand
  ) throws(JobRefusal) {
    let partial = request.extensions.intersection(.partialPreprocessing)
    guard !partial.isEmpty else { return }
    let language = scanned.inputLanguage
    guard partial != .partialPreprocessing, !request.version.serverPreprocesses,
      !scanned.inputIsPreprocessed, language == .c || language == .cPlusPlus
    else {
      throw JobRefusal(
        reason:
          "directives-only or rewritten-includes preprocessing asked for a request that is not a "
          + "preprocessed C or C++ source", level: .warning, code: .distccFailed)
    }
    let program = arguments[0].split(separator: UInt8(ascii: "/")).last ?? []
    if partial == .rewrittenIncludes && !String(decoding: program, as: UTF8.self).contains("clang")
    {
      throw JobRefusal(
        reason:
          "directives-only or rewritten-includes preprocessing asked for a compiler whose name does "
          + "not contain clang", level: .warning, code: .distccFailed)
    }
  }

  /// Stage 2: 3.4's scan, then the output the daemon rewrites: a bare `NAME.o` is the output for the
  /// scanner (client.md §4.3) but has no `-o` to rewrite, which 3.4's daemon refuses as
  /// `failed to find "-o"` (`ret:100`, verified with Debian's distccd).
  static func scan(_ arguments: [[UInt8]]) throws(JobRefusal) -> ScannedCommand {
    let scanned: ScannedCommand
    do { scanned = try ArgumentScanner.scan(arguments, side: .daemon) } catch {
      throw JobRefusal(reason: error.description, level: .info, code: .distccFailed)
    }
    if case .positional = scanned.output {
      throw JobRefusal(reason: "failed to find \"-o\"", level: .error, code: .distccFailed)
    }
    return scanned
  }
}
