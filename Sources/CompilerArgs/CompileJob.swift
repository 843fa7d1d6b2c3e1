/// A compiler command that can be distributed, with its input and output located (client.md §4).
public struct CompileJob: Sendable, Equatable {
  /// The full command, compiler first. When the user gave no output, `-o <output>` has been appended, and this
  /// command is used for the local fallback too, as 3.4 does.
  public var arguments: [String]
  /// The single source file.
  public var input: SourceFile
  /// The output file (`-o X`, `-oX`, a positional `*.o`, or the derived default).
  public var output: String
  /// Whether `-S` was seen: the output is assembler text rather than an object.
  public var producesAssembly: Bool
  /// Whether `-o <output>` was appended by the scanner.
  public var outputWasAppended: Bool
  /// Whether the preprocessor command pins a `-MD`/`-MMD` dependency target to `output` (`-MT <output>`), as
  /// the driver does for a local compile. False when the option came as `-Wp,-MD,FILE`, which a local compile
  /// hands to cpp unchanged and which therefore gets cpp's default target.
  public var pinsDependencyTarget = true

  public init(
    arguments: [String], input: SourceFile, output: String, producesAssembly: Bool,
    outputWasAppended: Bool
  ) {
    self.arguments = arguments
    self.input = input
    self.output = output
    self.producesAssembly = producesAssembly
    self.outputWasAppended = outputWasAppended
  }

  /// The job `scanned` describes in `arguments` (the same command as text): input and output located,
  /// `-o <derived name>` appended when the command names no output.
  init(arguments: [String], scanned: ScannedCommand) {
    var arguments = arguments
    let input = SourceFile(
      path: arguments[scanned.inputIndex], language: scanned.inputLanguage,
      isPreprocessed: scanned.inputIsPreprocessed)
    let output: String
    switch scanned.output {
    case .separate(let index), .positional(let index): output = arguments[index]
    case .joined(let index): output = String(arguments[index].dropFirst(2))
    case .missing:
      // The scan (client side) has checked that the name can be derived.
      let derived = SourceFile.defaultOutput(
        for: Array(input.path.utf8), assembly: scanned.producesAssembly)
      output = String(decoding: derived ?? [], as: UTF8.self)
      arguments += ["-o", output]
    }
    self.init(
      arguments: arguments, input: input, output: output,
      producesAssembly: scanned.producesAssembly,
      outputWasAppended: scanned.output == .missing)
  }
}
