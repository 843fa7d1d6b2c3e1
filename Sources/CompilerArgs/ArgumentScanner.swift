/// distcc 3.4's compiler command-line scanner (`dcc_scan_args`, client.md §4), run by the client on its
/// command line and by the daemon on every request (daemon.md §5.2 step 4).
///
/// The scanner walks the arguments once, as bytes; the first rule matching an argument wins. It runs
/// nothing and reads no file: it only decides whether the command compiles exactly one source file to one
/// output with options that are safe to run elsewhere, and where its input and output are.
public enum ArgumentScanner {
  /// Scans `arguments` (compiler name first; on the client after `-Wp,` expansion, see
  /// `PreprocessorOptions.expand(_:)`). An empty command stays local (`.notCompiling`).
  /// - Throws: the ``LocalReason`` the command must run where it was given (the client compiles it
  ///   locally, the daemon refuses it).
  public static func scan(_ arguments: [[UInt8]], side: ScanSide) throws(LocalReason)
    -> ScannedCommand
  {
    var sawCompile = false
    var sawAssembly = false
    var input: (index: Int, language: SourceFile.Language, isPreprocessed: Bool)?
    var output = ScannedCommand.Output.missing

    func setOutput(_ location: ScannedCommand.Output) throws(LocalReason) {
      if let first = output.name(in: arguments) {
        let second = location.name(in: arguments) ?? []
        throw .twoOutputs(first: Array(first).text, second: Array(second).text)
      }
      output = location
    }

    // Argument 0 is the compiler, never an input or output. (3.4 looks at it too, which matters only for
    // a compiler named like a source file; the daemon must never take its `argv[0]` for the input it
    // replaces.)
    var index = 1
    while index < arguments.count {
      let argument = arguments[index]
      defer { index += 1 }
      if argument.first == UInt8(ascii: "-") {
        switch try optionRule(
          argument, next: index + 1 < arguments.count ? arguments[index + 1] : nil)
        {
        case .pass: break
        case .skipNext: index += 1
        case .compile: sawCompile = true
        case .assembly: sawAssembly = true
        case .outputNext:
          guard index + 1 < arguments.count else { throw .missingOutputName }
          index += 1
          try setOutput(.separate(valueIndex: index))
        case .outputJoined:
          try setOutput(.joined(index: index))
        }
      } else if let (language, isPreprocessed) = SourceFile.classify(argument) {
        if let input { throw .twoInputs(first: arguments[input.index].text, second: argument.text) }
        input = (index, language, isPreprocessed)
      } else if argument.hasSuffix(".o") {
        try setOutput(.positional(index: index))
      }
    }

    guard sawCompile || sawAssembly else { throw .notCompiling }
    guard let input else { throw .noInput }
    let path = arguments[input.index]
    let base = SourceFile.basename(of: path)
    if base.starts(with: "conftest.".utf8) || base.starts(with: "tmp.conftest.".utf8) {
      throw .autoconfTest(file: path.text)
    }
    if case .missing = output, side == .client,
      SourceFile.defaultOutput(for: path, assembly: sawAssembly) == nil
    {
      throw .cannotDeriveOutput(input: path.text)
    }
    if output.name(in: arguments)?.elementsEqual("-".utf8) == true {
      throw .outputToStandardOutput
    }
    return ScannedCommand(
      inputIndex: input.index, inputLanguage: input.language,
      inputIsPreprocessed: input.isPreprocessed, output: output, producesAssembly: sawAssembly)
  }

  /// The client's scan of its own command line: ``scan(_:side:)`` with `side: .client`, the result as a
  /// ``CompileJob`` whose command has `-o <derived name>` appended when the user gave no output, as in 3.4.
  public static func scan(_ arguments: [String]) -> ScanResult {
    do {
      let command = try scan(arguments.map { Array($0.utf8) }, side: .client)
      return .distributable(CompileJob(arguments: arguments, scanned: command))
    } catch {
      return .local(error)
    }
  }

  enum OptionRule {
    case pass, skipNext, compile, assembly, outputNext, outputJoined
  }

  /// The rule for one argument starting with `-`, in 3.4's order (client.md §4.1); throws for options
  /// that keep the job local. Grouped by the byte after the `-`: no rule of one group matches an argument
  /// of another, so the order within each group is 3.4's order.
  static func optionRule(_ a: [UInt8], next: [UInt8]?) throws(LocalReason) -> OptionRule {
    guard a.count >= 2 else { return .pass }
    switch a[1] {
    case UInt8(ascii: "E"):
      if a.count == 2 { throw .preprocessOnly }
    case UInt8(ascii: "M"):
      if a.equals("-MD") || a.equals("-MMD") || a.equals("-MG") || a.equals("-MP") { return .pass }
      if a.equals("-MF") || a.equals("-MT") || a.equals("-MQ") { return .skipNext }
      if a.hasPrefix("-MF") || a.hasPrefix("-MT") || a.hasPrefix("-MQ") { return .pass }
      throw .dependenciesOnly(option: a.text)
    case UInt8(ascii: "m"):
      if a.equals("-march=native") || a.equals("-mtune=native") {
        throw .nativeMachine(option: a.text)
      }
    case UInt8(ascii: "f"):
      if a.equals("-flto") { throw .linkTimeOptimization }
      if a.equals("-fprofile-arcs") || a.equals("-ftest-coverage")
        || a.equals("-fprofile-correction") || a.hasPrefix("-fprofile-generate")
        || a.hasPrefix("-fprofile-use") || a.hasPrefix("-fauto-profile")
      {
        throw .profile(option: a.text)
      }
      if a.equals("-frepo") { throw .repository }
    case UInt8(ascii: "-"):
      if a.equals("--coverage") { throw .profile(option: a.text) }
    case UInt8(ascii: "S"):
      if a.count == 2 { return .assembly }
    case UInt8(ascii: "c"):
      if a.count == 2 { return .compile }
    case UInt8(ascii: "o"):
      return a.count == 2 ? .outputNext : .outputJoined
    case UInt8(ascii: "W"):
      if a.hasPrefix("-Wa,") && (a.contains(",-a") || a.contains("--MD")) {
        throw .assemblerOutput(option: a.text)
      }
    case UInt8(ascii: "s"):
      if a.hasPrefix("-specs=") { throw .specs(option: a.text) }
    case UInt8(ascii: "x"):
      if let next, !distributesLanguage(next) { throw .languageOption(language: next.text) }
    case UInt8(ascii: "d"):
      if a.hasPrefix("-dr") { throw .debugDump(option: a.text) }
    default: break
    }
    return .pass
  }

  /// Whether 3.4 distributes the language word after `-x`: it starts with `c`, `c++`, `objective-c`,
  /// `objective-c++` or `go` (so `cpp-output` and `c-header` count as `c`).
  static func distributesLanguage(_ word: [UInt8]) -> Bool {
    word.hasPrefix("c") || word.hasPrefix("objective-c") || word.hasPrefix("go")
  }
}
