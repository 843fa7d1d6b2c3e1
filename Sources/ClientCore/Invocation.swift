import CompilerArgs

/// What `distcc` was asked to do, decided from its own argument vector (client.md §2–3).
package enum Invocation: Sendable, Equatable {
  /// Run this compiler command (explicit, implicit or masquerade mode).
  case compile([String])
  /// `--help`.
  case help
  /// `--version`.
  case version
  /// `--show-hosts`.
  case showHosts
  /// `--show-backoff`: each host and whether it is backed off (ours, not 3.4's).
  case showBackoff
  /// `-j`.
  case concurrency
  /// `--make-symlinks DIR`: create masquerade links for the compilers found on `PATH` (ours, not 3.4's).
  case makeSymlinks(directory: String)
  /// `distcc` without arguments (3.4 exits 101).
  case missingOperand

  /// Decides the mode from `arguments` (the process's `argv`, program first), after `@file` expansion.
  ///
  /// In masquerade mode (the program name does not contain `distcc`) `PATH` in `configuration` is trimmed so
  /// the compiler name finds the real compiler, not this program; `configuration.pathWasTrimmed` records it.
  package static func decide(
    _ arguments: [String], configuration: inout ClientConfiguration
  ) -> Invocation {
    let program = arguments.first ?? "distcc"
    let name =
      program.lastIndex(of: "/").map { String(program[program.index(after: $0)...]) } ?? program
    guard name.containsBytes("distcc") else {
      trimMasqueradePath(program: program, name: name, configuration: &configuration)
      return .compile([name] + arguments.dropFirst())
    }
    guard arguments.count > 1 else { return .missingOperand }
    let first = arguments[1]
    switch first {
    case "--help": return .help
    case "--version": return .version
    case "--show-hosts": return .showHosts
    case "--show-backoff": return .showBackoff
    case "-j": return .concurrency
    case "--make-symlinks" where arguments.count > 2: return .makeSymlinks(directory: arguments[2])
    default: break
    }
    if first.hasPrefix("-") || SourceFileNames.isSource(first) || first.hasSuffix(".o") {
      return .compile(["cc"] + arguments.dropFirst())
    }
    return .compile(Array(arguments.dropFirst()))
  }

  /// 3.4's `dcc_support_masquerade` (client.md §3.3).
  static func trimMasqueradePath(
    program: String, name: String, configuration: inout ClientConfiguration
  ) {
    guard let path = configuration.environment["PATH"] else { return }
    let elements = FileSystem.pathElements(path)
    let found: Int?
    if let slash = program.lastIndex(of: "/") {
      let directory = absoluteDirectory(String(program[..<slash]))
      found = elements.firstIndex { $0 == directory }
    } else {
      found = elements.firstIndex { FileSystem.isExecutable(String($0) + "/" + name) }
    }
    guard let found, found + 1 < elements.count else { return }
    configuration.environment["PATH"] = elements[(found + 1)...].joined(separator: ":")
    configuration.pathWasTrimmed = true
  }

  /// Makes a directory absolute the way 3.4 does: the cwd prefixed if relative, a leading `./` dropped,
  /// `dir/../` collapsed.
  static func absoluteDirectory(_ directory: String) -> String {
    var text = directory.isEmpty ? "/" : directory
    if !text.hasPrefix("/") {
      while text.hasPrefix("./") { text.removeFirst(2) }
      if text == "." { text = "" }
      let cwd = FileSystem.currentDirectory() ?? ""
      text = text.isEmpty ? cwd : cwd + "/" + text
    }
    var parts: [Substring] = []
    for part in text.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
      if part == ".." && !parts.isEmpty && parts.last != ".." {
        parts.removeLast()
      } else if part != "." {
        parts.append(part)
      }
    }
    return "/" + parts.joined(separator: "/")
  }
}

/// Source-extension test for implicit mode, shared with the scanner's table.
enum SourceFileNames {
  static func isSource(_ name: String) -> Bool { SourceFile(path: name) != nil }
}

extension Invocation {
  /// `arguments` with every `@FILE` replaced by the words of FILE (GNU `expandargv`, client.md §3.2).
  package static func expandingResponseFiles(_ arguments: [String]) -> [String] {
    ResponseFiles.expand(arguments) { FileSystem.contents(of: $0) }
  }
}
