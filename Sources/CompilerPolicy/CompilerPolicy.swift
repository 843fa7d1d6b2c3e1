import CompilerArgs

/// Decides, option by option, whether a compiler command line is a compile whose inputs and outputs the
/// daemon controls.
///
/// The decision is data: a table of `OptionRule`s (`OptionRule.standardTable`). Known compile options
/// pass; options that name a program, plugin, specs file or search prefix for the driver's own programs,
/// or that write a file where the client says, are refused with a reason; response files are expanded
/// under the same rules. Options are matched as bytes, longest name first, in every spelling the drivers
/// accept (`-x=y`, `-x y`, `-xy`, `--x`, `--x=y`).
///
/// ```swift
/// switch ArgumentPolicy.standard.check(request.arguments, insecure: false) {
/// case .allowed(let argv): run(argv)
/// case .refused: reply(status: 1, stderr: decision.message)   // the client compiles locally
/// case .malformed(let problem): close(connection)               // a protocol error
/// }
/// ```
public struct ArgumentPolicy: Sendable {
  /// Bounds on what a request may make the policy read.
  public struct Limits: Sendable, Equatable {
    /// Arguments after response-file expansion.
    public var maxArguments: Int
    /// Bytes in one argument.
    public var maxArgumentLength: Int
    /// Bytes in one response file.
    public var maxResponseFileLength: Int
    /// Bytes in all response files of one command line.
    public var maxResponseFileTotal: Int
    /// Response files named inside response files.
    public var maxResponseFileDepth: Int

    public init(
      maxArguments: Int = 16_384, maxArgumentLength: Int = 65_536,
      maxResponseFileLength: Int = 1 << 20, maxResponseFileTotal: Int = 4 << 20,
      maxResponseFileDepth: Int = 8
    ) {
      self.maxArguments = maxArguments
      self.maxArgumentLength = maxArgumentLength
      self.maxResponseFileLength = maxResponseFileLength
      self.maxResponseFileTotal = maxResponseFileTotal
      self.maxResponseFileDepth = maxResponseFileDepth
    }

    public static let standard = Limits()
  }

  /// The rules, as given.
  public let rules: [OptionRule]
  public let limits: Limits
  private let exactRules: [[UInt8]: OptionRule]
  private let prefixRules: [(name: [UInt8], rule: OptionRule)]

  /// A policy from a table. Where two rules share a name, the later one wins.
  public init(rules: [OptionRule], limits: Limits = .standard) {
    self.rules = rules
    self.limits = limits
    var exact: [[UInt8]: OptionRule] = [:]
    var prefixed: [[UInt8]: OptionRule] = [:]
    for rule in rules {
      exact[Array(rule.name.utf8)] = rule
      if rule.matchesPrefix { prefixed[Array(rule.name.utf8)] = rule }
    }
    exactRules = exact
    prefixRules = prefixed.map { (name: $0.key, rule: $0.value) }.sorted {
      $0.name.count > $1.name.count
    }
  }

  /// The gcc/clang policy documented in Docs/security.md.
  public static let standard = ArgumentPolicy(rules: OptionRule.standardTable)

  /// Checks a command line (`argv[0]` is the compiler).
  ///
  /// - Parameters:
  ///   - arguments: the request's `ARGV` bodies.
  ///   - insecure: `--enable-tcp-insecure`: options missing from the table pass. Refused options,
  ///     `-Xclang`/`-mllvm` operands, response-file bounds and path confinement never loosen.
  ///   - responseFile: reads a response file named by `@FILE` from the request's own uploaded files
  ///     (protocol 3); nil refuses every `@FILE` (protocols 1 and 2, where a real client never sends one).
  /// - Returns: `.allowed` with the vector to run (response files expanded), `.refused`, or `.malformed`.
  public func check(
    _ arguments: [[UInt8]], insecure: Bool = false,
    responseFile: ((_ path: [UInt8]) -> [UInt8]?)? = nil
  ) -> ArgumentDecision {
    guard let compiler = arguments.first else { return .malformed(.empty) }
    if compiler.isEmpty { return .malformed(.emptyCompilerName) }
    if compiler.first == UInt8(ascii: "-") {
      return .malformed(.compilerNameIsOption(compiler.printable()))
    }
    if let problem = shapeProblem(arguments) { return .malformed(problem) }

    var expanded: [[UInt8]] = [compiler]
    var budget = limits.maxResponseFileTotal
    if let refusal = expand(
      arguments.dropFirst(), into: &expanded, depth: 0, budget: &budget, reader: responseFile)
    {
      return refusal
    }
    if let problem = shapeProblem(expanded) { return .malformed(problem) }

    var walk = Walk(policy: self, insecure: insecure)
    if let verdict = walk.check(expanded.dropFirst(), nested: false) { return verdict }
    if !walk.sawCompile { return .refused(option: compiler.printable(), reason: .notACompile) }
    return .allowed(expanded)
  }

  /// Finds the rule for an option: an exact name, else the longest prefix rule.
  func rule(for argument: [UInt8]) -> (rule: OptionRule, exact: Bool)? {
    if let rule = exactRules[argument] { return (rule, true) }
    for entry in prefixRules where argument.starts(with: entry.name) { return (entry.rule, false) }
    return nil
  }

  private func shapeProblem(_ arguments: [[UInt8]]) -> MalformedArguments? {
    if arguments.count > limits.maxArguments {
      return .tooManyArguments(count: arguments.count, limit: limits.maxArguments)
    }
    for (index, argument) in arguments.enumerated() {
      if argument.count > limits.maxArgumentLength {
        return .argumentTooLong(
          index: index, length: argument.count, limit: limits.maxArgumentLength)
      }
      if argument.contains(0) { return .containsNUL(index: index) }
    }
    return nil
  }

  /// Appends `arguments` to `output`, replacing each `@FILE` by its contents, recursively.
  private func expand(
    _ arguments: some Collection<[UInt8]>, into output: inout [[UInt8]], depth: Int,
    budget: inout Int,
    reader: ((_ path: [UInt8]) -> [UInt8]?)?
  ) -> ArgumentDecision? {
    for argument in arguments {
      guard argument.first == UInt8(ascii: "@") else {
        output.append(argument)
        if output.count > limits.maxArguments {
          return .malformed(.tooManyArguments(count: output.count, limit: limits.maxArguments))
        }
        continue
      }
      let option = argument.printable()
      func refuse(_ why: String) -> ArgumentDecision {
        .refused(option: option, reason: .responseFile(why))
      }
      guard let reader else { return refuse("only a protocol 3 request can carry one") }
      guard depth < limits.maxResponseFileDepth else {
        return refuse("nested more than \(limits.maxResponseFileDepth) deep")
      }
      guard let content = reader(Array(argument.dropFirst())) else {
        return refuse("not among the request's files")
      }
      guard content.count <= limits.maxResponseFileLength, content.count <= budget else {
        return refuse("larger than the daemon reads (\(limits.maxResponseFileLength) bytes)")
      }
      if content.contains(0) { return refuse("contains a NUL byte") }
      budget -= content.count
      if let verdict = expand(
        ResponseFiles.words(in: content), into: &output, depth: depth + 1, budget: &budget,
        reader: reader)
      {
        return verdict
      }
    }
    return nil
  }
}
