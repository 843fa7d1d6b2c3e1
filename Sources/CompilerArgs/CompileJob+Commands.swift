extension CompileJob {
  /// The local preprocessor command (client.md §5.1): every `-o X` and `-oX` removed, every `-c` and `-S`
  /// replaced by `-E`; the preprocessed text goes to standard output.
  ///
  /// Unlike 3.4, when the command writes a dependency file as a side effect (`-MD`, `-MMD`) the dependency file
  /// name and target are pinned to what the real compile would use (`-MF <output>.d`, `-MT <output>`), because
  /// dropping `-o` would otherwise make cpp write `input.d` with target `input.o` in the wrong directory. The
  /// target is left alone for `-Wp,-MD,FILE` (`pinsDependencyTarget`), as a local compile leaves it.
  public var preprocessorArguments: [String] {
    var result: [String] = []
    result.reserveCapacity(arguments.count + 4)
    var index = 0
    var writesDependencies = false
    var hasDependencyFile = false
    var hasDependencyTarget = false
    while index < arguments.count {
      let argument = arguments[index]
      defer { index += 1 }
      if argument == "-o" {
        index += 1
        continue
      }
      if argument.hasPrefix("-o") { continue }
      if argument == "-c" || argument == "-S" {
        result.append("-E")
        continue
      }
      switch argument {
      case "-MD", "-MMD": writesDependencies = true
      case "-MF": hasDependencyFile = true
      case "-MT", "-MQ": hasDependencyTarget = true
      default:
        if argument.hasPrefix("-MF") { hasDependencyFile = true }
        if argument.hasPrefix("-MT") || argument.hasPrefix("-MQ") { hasDependencyTarget = true }
      }
      result.append(argument)
    }
    if writesDependencies {
      if !hasDependencyFile { result += ["-MF", dependencyFileName] }
      if !hasDependencyTarget && pinsDependencyTarget { result += ["-MT", output] }
    }
    return result
  }

  /// gcc's default dependency file for `-MD` with this output: the output with its suffix replaced by `.d`.
  var dependencyFileName: String {
    let base = SourceFile.basename(of: output)
    let stem: Substring
    if let dot = base.lastIndex(of: "."), dot != base.startIndex {
      stem =
        output[
          ..<output.index(output.endIndex, offsetBy: -base.distance(from: dot, to: base.endIndex))]
    } else {
      stem = output[...]
    }
    return stem + ".d"
  }

  /// The command sent to a protocol 1 or 2 server (client.md §5.2): preprocessor and linker options removed,
  /// everything else (including the input and `-o` names) kept in order.
  public var serverArguments: [String] { serverArguments(keepingMacros: false) }

  /// ``serverArguments``; with `keepingMacros`, `-D`, `-U`, `-undef` and `-Wp,` lists of only `-D`/`-U`
  /// are kept too (``rewrittenIncludesServerArguments(workingDirectory:)``).
  func serverArguments(keepingMacros: Bool) -> [String] {
    var result: [String] = []
    result.reserveCapacity(arguments.count)
    var index = 0
    while index < arguments.count {
      let argument = arguments[index]
      defer { index += 1 }
      if keepingMacros, Self.definesMacros(argument) {
        result.append(argument)
        if argument == "-D" || argument == "-U", index + 1 < arguments.count {
          index += 1
          result.append(arguments[index])
        }
        continue
      }
      if Self.strippedWithValue.contains(argument) {
        if index + 1 < arguments.count { index += 1 }
        continue
      }
      if Self.strippedPrefixes.contains(where: argument.hasPrefix) { continue }
      if Self.strippedExactly.contains(argument) { continue }
      result.append(argument)
    }
    return result
  }

  static let strippedWithValue: Set<String> = [
    "-D", "-I", "-U", "-L", "-l", "-MF", "-MT", "-MQ", "-include", "-imacros", "-iprefix",
    "-iwithprefix",
    "-isystem", "-iwithprefixbefore", "-idirafter",
  ]
  static let strippedPrefixes = [
    "-Wp,", "-Wl,", "-D", "-U", "-I", "-l", "-L", "-MF", "-MT", "-MQ", "-isystem", "-stdlib",
  ]
  static let strippedExactly: Set<String> = [
    "-undef", "-nostdinc", "-nostdinc++", "-MD", "-MMD", "-MG", "-MP",
  ]
}
