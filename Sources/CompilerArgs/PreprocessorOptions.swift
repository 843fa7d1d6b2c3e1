/// Expansion of `-Wp,…` options, done before scanning (client.md §4.6, 3.4's
/// `dcc_expand_preprocessor_options`).
public enum PreprocessorOptions {
  /// The result of an expansion.
  public struct Expansion: Sendable, Equatable {
    /// The command with every `-Wp,` argument split into its comma-separated words, in place.
    public var arguments: [String]
    /// `-Wp,-MD` or `-Wp,-MMD` without a following file name (3.4 warns about it).
    public var missingDependencyFile: Bool
    /// `-Wp,-MD,FILE` or `-Wp,-MMD,FILE` was given. Passed straight to cpp, such an option gets cpp's default
    /// target (the input's base name with `.o`) rather than the driver's `-o` name, so the dependency target
    /// must not be pinned to the output (`CompileJob.pinsDependencyTarget`).
    public var dependencyFileForPreprocessor: Bool = false
  }

  /// Splits every argument starting with `-Wp,` at its commas (empty words dropped). A word `-MD` or `-MMD`
  /// takes the next word as its file: `-Wp,-MMD,dep.d,-DFOO` becomes `-MMD -MF dep.d -DFOO`.
  public static func expand(_ arguments: [String]) -> Expansion {
    guard arguments.contains(where: { $0.hasPrefix("-Wp,") }) else {
      return Expansion(arguments: arguments, missingDependencyFile: false)
    }
    var result: [String] = []
    result.reserveCapacity(arguments.count + 4)
    var missing = false
    var dependencyFile = false
    for argument in arguments {
      guard argument.hasPrefix("-Wp,") else {
        result.append(argument)
        continue
      }
      let words = argument.dropFirst(4).split(separator: ",").map(String.init)
      var index = 0
      while index < words.count {
        let word = words[index]
        result.append(word)
        if word == "-MD" || word == "-MMD" {
          if index + 1 < words.count {
            result += ["-MF", words[index + 1]]
            dependencyFile = true
            index += 1
          } else {
            missing = true
          }
        }
        index += 1
      }
    }
    return Expansion(
      arguments: result, missingDependencyFile: missing,
      dependencyFileForPreprocessor: dependencyFile)
  }
}
