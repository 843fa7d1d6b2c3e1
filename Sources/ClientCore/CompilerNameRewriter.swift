/// distcc 3.4's compiler-name rewriting for cross compilation (client.md §3.4), applied to the command that
/// runs both locally and remotely unless `DISTCC_NO_REWRITE_CROSS` is set.
struct CompilerNameRewriter {
  /// `PATH` used to find compilers.
  var searchPath: String?
  /// The GNU build triple, e.g. `x86_64-pc-linux-gnu`.
  var buildTriple: String

  /// A message for each rewrite done, in 3.4's words (logged at info level).
  typealias Note = String

  /// Rewrites `command[0]` (and may append `-target` for clang). Returns the new command and the notes.
  func rewrite(_ command: [String]) -> (command: [String], notes: [Note]) {
    guard var compiler = command.first else { return (command, []) }
    var result = command
    var notes: [Note] = []
    if compiler == "cc" || compiler == "c++", let resolved = resolveGenericName(compiler) {
      notes.append("Rewriting '\(compiler)' to '\(resolved)'")
      compiler = resolved
      result[0] = resolved
    }
    if Self.isClang(compiler), !result.contains("-target") {
      result += ["-target", buildTriple]
      notes.append("Adding '-target \(buildTriple)' to support clang cross-compilation.")
    }
    if Self.isGCC(compiler) {
      let prefixed = gnuTriple + "-" + compiler
      if FileSystem.findExecutable(prefixed, in: searchPath) != nil {
        notes.append(
          "Re-writing call to '\(compiler)' to '\(prefixed)' to support cross-compilation.")
        result[0] = prefixed
      }
    }
    return (result, notes)
  }

  /// The triple with `-pc-` collapsed to `-` (`x86_64-linux-gnu`).
  var gnuTriple: String {
    // On bytes: `firstRange(of:)` and `joined` would instantiate `_StringProcessing`'s searcher and generic
    // metadata (about 170,000 instructions on every compile).
    guard let offset = buildTriple.utf8Offset(of: "-pc-") else { return buildTriple }
    let bytes = Array(buildTriple.utf8)
    return String(decoding: bytes[..<offset], as: UTF8.self)
      + String(decoding: bytes[(offset + 3)...], as: UTF8.self)
  }

  /// `cc` → `gcc`/`clang`, `c++` → `g++`/`clang++`, by following the first `PATH` entry's symlinks.
  func resolveGenericName(_ name: String) -> String? {
    guard let path = searchPath else { return nil }
    let elements = FileSystem.pathElements(path)
    for index in elements.indices {
      // 3.4 quirk: skip an element whenever the rest of PATH (this element on) mentions distcc.
      if elements[index...].joined(separator: ":").containsBytes("distcc") { continue }
      let candidate = String(elements[index]) + "/" + name
      guard FileSystem.isExecutable(candidate) else { continue }
      guard var target = FileSystem.readLink(candidate) else { return nil }
      if target == "/etc/alternatives/" + name, let next = FileSystem.readLink(target) {
        target = next
      }
      let base = target.split(separator: "/").last.map(String.init) ?? target
      let allowed = name == "cc" ? ["gcc", "clang"] : ["g++", "clang++"]
      let absolute = target.hasPrefix("/") ? target : String(elements[index]) + "/" + target
      guard allowed.contains(base), FileSystem.isExecutable(absolute) else { return nil }
      return base
    }
    return nil
  }

  static func isClang(_ name: String) -> Bool {
    name == "clang" || name == "clang++" || name.hasPrefix("clang-") || name.hasPrefix("clang++-")
  }

  static func isGCC(_ name: String) -> Bool {
    name == "gcc" || name == "g++" || name.hasPrefix("gcc-") || name.hasPrefix("g++-")
  }
}
