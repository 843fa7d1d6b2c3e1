/// distcc 3.4's compiler command-line scanner (`dcc_scan_args`, client.md §4).
///
/// The scanner walks the arguments once; the first rule matching an argument wins. It runs nothing and reads no
/// file: it only decides whether the command compiles exactly one source file to one output with options that
/// are safe to run elsewhere. The daemon runs the same scanner on the arguments it receives.
public enum ArgumentScanner {
  /// Scans `arguments` (compiler name first, after `-Wp,` expansion: see `PreprocessorOptions.expand(_:)`).
  ///
  /// A command without an output gets `-o <input basename with .o or .s>` appended, as in 3.4.
  /// - Precondition: none; an empty command is reported as `.local(.noInput)`.
  public static func scan(_ arguments: [String]) -> ScanResult {
    var sawCompile = false
    var sawAssembly = false
    var input: SourceFile?
    var output: String?

    func setOutput(_ value: String) -> LocalReason? {
      if let output { return .twoOutputs(first: output, second: value) }
      output = value
      return nil
    }

    var index = 0
    while index < arguments.count {
      let argument = arguments[index]
      defer { index += 1 }
      if argument.hasPrefix("-") {
        switch optionRule(argument, next: index + 1 < arguments.count ? arguments[index + 1] : nil)
        {
        case .pass: break
        case .skipNext: index += 1
        case .local(let reason): return .local(reason)
        case .compile: sawCompile = true
        case .assembly: sawAssembly = true
        case .outputNext:
          guard index + 1 < arguments.count else { return .local(.missingOutputName) }
          index += 1
          if let reason = setOutput(arguments[index]) { return .local(reason) }
        case .outputJoined:
          if let reason = setOutput(String(argument.dropFirst(2))) { return .local(reason) }
        }
      } else if let source = SourceFile(path: argument) {
        if let input { return .local(.twoInputs(first: input.path, second: argument)) }
        input = source
      } else if argument.hasSuffix(".o") {
        if let reason = setOutput(argument) { return .local(reason) }
      }
    }

    guard sawCompile || sawAssembly else { return .local(.notCompiling) }
    guard let input else { return .local(.noInput) }
    let base = input.basename
    if base.hasPrefix("conftest.") || base.hasPrefix("tmp.conftest.") {
      return .local(.autoconfTest(file: input.path))
    }
    var command = arguments
    var appended = false
    if output == nil {
      guard let derived = defaultOutput(for: input, assembly: sawAssembly) else {
        return .local(.cannotDeriveOutput(input: input.path))
      }
      command += ["-o", derived]
      output = derived
      appended = true
    }
    guard let output, output != "-" else { return .local(.outputToStandardOutput) }
    return .distributable(
      CompileJob(
        arguments: command, input: input, output: output, producesAssembly: sawAssembly,
        outputWasAppended: appended))
  }

  /// The name gcc writes when no `-o` is given: the input's basename with its extension replaced by `.o`
  /// (`.s` with `-S`). `nil` when the basename is shorter than 3 characters (3.4 refuses those).
  static func defaultOutput(for input: SourceFile, assembly: Bool) -> String? {
    let base = input.basename
    guard base.count >= 3, let dot = base.lastIndex(of: ".") else { return nil }
    return base[..<dot] + (assembly ? ".s" : ".o")
  }

  enum OptionRule {
    case pass, skipNext, compile, assembly, outputNext, outputJoined
    case local(LocalReason)
  }

  /// The rule for one argument starting with `-`, in 3.4's order.
  static func optionRule(_ a: String, next: String?) -> OptionRule {
    switch a {
    case "-E": return .local(.preprocessOnly)
    case "-MD", "-MMD", "-MG", "-MP": return .pass
    case "-MF", "-MT", "-MQ": return .skipNext
    case "-march=native", "-mtune=native": return .local(.nativeMachine(option: a))
    case "-flto": return .local(.linkTimeOptimization)
    case "-S": return .assembly
    case "-fprofile-arcs", "-ftest-coverage", "--coverage", "-fprofile-correction":
      return .local(.profile(option: a))
    case "-frepo": return .local(.repository)
    case "-c": return .compile
    case "-o": return .outputNext
    default: break
    }
    if a.hasPrefix("-MF") || a.hasPrefix("-MT") || a.hasPrefix("-MQ") { return .pass }
    if a.hasPrefix("-M") { return .local(.dependenciesOnly(option: a)) }
    if a.hasPrefix("-Wa,") {
      return a.contains(",-a") || a.contains("--MD") ? .local(.assemblerOutput(option: a)) : .pass
    }
    if a.hasPrefix("-specs=") { return .local(.specs(option: a)) }
    if a.hasPrefix("-fprofile-generate") || a.hasPrefix("-fprofile-use")
      || a.hasPrefix("-fauto-profile")
    {
      return .local(.profile(option: a))
    }
    if a.hasPrefix("-x"), let next, !distributableLanguagePrefixes.contains(where: next.hasPrefix) {
      return .local(.languageOption(language: next))
    }
    if a.hasPrefix("-dr") { return .local(.debugDump(option: a)) }
    if a.hasPrefix("-o") { return .outputJoined }
    return .pass
  }

  /// Words after `-x` that 3.4 distributes (prefix match, so `cpp-output` and `c-header` count as `c`).
  static let distributableLanguagePrefixes = ["c", "c++", "objective-c", "objective-c++", "go"]
}
