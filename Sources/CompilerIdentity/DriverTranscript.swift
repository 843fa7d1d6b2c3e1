import CompilerArgs

/// What one dry run of a compiler driver says about it: `gcc -### -E -x c -` prints (on stderr) its
/// configuration and the command it would run, so one run answers what ``CompilerProbe`` otherwise asks in
/// four (`-dumpmachine`, `-dumpfullversion`, `--version`, `-print-prog-name=cc1`).
///
/// Each answer is taken only where the transcript states it in the form that makes it equal to the single
/// question's answer (the same variable of the driver printed), and is nil otherwise, so that the probe asks
/// that question as before: a translated transcript (`gcc-Version`, `Ziel:`), a gcc before 7 (no
/// `-dumpfullversion`), a clang's version (its banner may carry a vendor's suffix that `-dumpversion` does not),
/// or a driver that answers neither way (a script, another compiler).
///
/// The one case where the identity can differ from the four questions': a clang whose transcript shows it
/// running itself (``CompilerProper/itself``) has no compiler proper fingerprinted, where
/// `clang -print-prog-name=cc1` could answer with a `cc1` found on `PATH`, which was fingerprinted. That
/// file is not what clang runs, so the new identity is the truer one; it is not asked for again, as that
/// would cost one more run per clang probe.
struct DriverTranscript: Equatable {
  /// What the driver runs for a C file: the compiler proper, as `-print-prog-name=cc1` would answer.
  enum CompilerProper: Equatable {
    /// gcc's `cc1` command: its path as found (absolute), or the bare name when gcc did not find it.
    case program(String)
    /// The driver runs itself (`clang -cc1`): there is no separate compiler proper to fingerprint.
    case itself
  }

  /// The one question: preprocess C from stdin, but only print what would run.
  static func arguments(_ compiler: String) -> [String] {
    [compiler, "-###", "-E", "-x", "c", "-"]
  }

  /// `Target: x86_64-linux-gnu`: gcc's and clang's `-dumpmachine` print the same triple.
  var target: String?
  /// gcc's `gcc version 12.2.0 (Debian 12.2.0-14)` line's first word (gcc's `BASEVER`, which is what
  /// `-dumpfullversion` prints), from gcc 7 on; nil for clang and older gcc.
  var version: String?
  /// `clang` when `--version`'s first line would contain "clang", else `gcc`: clang prints that same
  /// line first; gcc's `--version` line is its program name (`COLLECT_GCC`'s last component), its package
  /// version and its version string, which its `gcc version` line holds too.
  var family: String?
  /// The compiler proper of the first command (the first indented line but clang's ` (in-process)`).
  var compilerProper: CompilerProper?

  init(_ text: String) {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    let clangBanner = lines.first.map { $0.contains("clang version ") } ?? false
    var gccLine: Substring?
    var program: Substring?
    var command: [String]?
    for line in lines {
      if target == nil, line.hasPrefix("Target: ") {
        let triple = line.dropFirst("Target: ".count)
        if !triple.isEmpty && !triple.contains(" ") { target = String(triple) }
      } else if gccLine == nil, line.hasPrefix("gcc version ") {
        gccLine = line.dropFirst("gcc version ".count)
      } else if program == nil, line.hasPrefix("COLLECT_GCC=") {
        program = line.dropFirst("COLLECT_GCC=".count).split(separator: "/").last
      } else if command == nil, line.hasPrefix(" "), !line.hasPrefix(" (") {
        command = Self.words(line)
      }
    }
    if clangBanner {
      family = "clang"
    } else if let gccLine {
      version = Self.dumpFullVersion(gccLine)
      if let program {
        family = program.contains("clang") || gccLine.contains("clang") ? "clang" : "gcc"
      }
    }
    if let command, let first = command.first {
      if clangBanner && command.count > 1 && command[1] == "-cc1" {
        compilerProper = .itself
      } else if !clangBanner && first.split(separator: "/").last == "cc1" {
        compilerProper = .program(first)
      }
    }
  }

  /// The words of a command as the driver prints it: bare, or in double quotes with a backslash before
  /// `"`, `\` and `$`, which `buildargv`'s quoting (``ResponseFiles``) reads back.
  static func words(_ line: Substring) -> [String] {
    ResponseFiles.words(in: Array(line.utf8)).map { String(decoding: $0, as: UTF8.self) }
  }

  /// The version string's first word when it is a gcc 7 or later `BASEVER` (`12.2.0`).
  private static func dumpFullVersion(_ line: Substring) -> String? {
    guard let word = line.split(separator: " ").first,
      let major = word.split(separator: ".").first.flatMap({ Int($0) }), major >= 7
    else { return nil }
    return String(word)
  }
}
