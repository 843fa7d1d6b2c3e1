/// Where the scanner found the pieces of a distributable compiler command, by argument index, so that
/// either side can rewrite its own vector (`[String]` in the client, request bytes in the daemon).
public struct ScannedCommand: Sendable, Equatable {
  /// Where the output name is.
  public enum Output: Sendable, Equatable {
    /// `-o NAME`: the index of `NAME`.
    case separate(valueIndex: Int)
    /// `-oNAME`: the index of the argument.
    case joined(index: Int)
    /// A bare `NAME.o` (client.md §4.3): the client takes it as the output; a 3.4 daemon cannot rewrite it
    /// (`failed to find "-o"`).
    case positional(index: Int)
    /// No output given. On the client side the scanner has checked that one can be derived.
    case missing
  }

  /// The index of the single source file.
  public var inputIndex: Int
  /// The language its extension implies.
  public var inputLanguage: SourceFile.Language
  /// Whether the input is already preprocessed (`.i`, `.ii`, `.mi`, `.mii`).
  public var inputIsPreprocessed: Bool
  public var output: Output
  /// Whether `-S` was seen: the output is assembler text rather than an object.
  public var producesAssembly: Bool

}

extension ScannedCommand.Output {
  /// The output name as given in `arguments` (the value of `-o`, the rest of `-oNAME` or the bare
  /// `NAME.o`); nil when missing.
  public func name(in arguments: [[UInt8]]) -> ArraySlice<UInt8>? {
    switch self {
    case .separate(let index), .positional(let index): arguments[index][...]
    case .joined(let index): arguments[index].dropFirst(2)
    case .missing: nil
    }
  }
}
