import DistTestSupport
import Foundation
import Glibc
import Synchronization
import Testing

@testable import CompilerIdentity

/// One dry run (`-### -E -x c -`) answers what the probe asked in four runs, with the same answers.
@Suite struct DriverTranscriptTests {
  /// The questions a probe put, in order (`-###` for the transcript, else the option asked).
  final class Questions: Sendable {
    let asked = Mutex<[String]>([])

    /// The direct questions, logged; `transcripts: false` is the probe as it was before the transcript
    /// (every answer nil, so each of the four questions is asked as it was).
    func ask(transcripts: Bool = true) -> CompilerProbe.Ask {
      CompilerProbe.Ask(
        firstLine: { arguments in
          self.asked.withLock { $0.append(arguments[1]) }
          return CompilerProbe.askDirectly.firstLine(arguments)
        },
        transcript: { arguments in
          guard transcripts else { return nil }
          self.asked.withLock { $0.append(arguments[1]) }
          return CompilerProbe.askDirectly.transcript(arguments)
        })
    }
  }

  /// Every compiler installed here under the names clients send, and wrappers: the identity (its text, the
  /// fingerprint included) and the files are those of the four questions; a gcc answers in one run, a clang
  /// in three (its version is still asked: a vendor's banner may differ from `-dumpversion`).
  @Test func everyInstalledCompilerGetsTheFourQuestionsAnswer() throws {
    let directory = try TestDirectory(prefix: "transcript-")
    let gcc = try #require(CompilerProbe.resolve("gcc"))
    // A script that runs gcc, and gcc under a name with "clang" in it (its `--version` line names it so).
    let wrapper = try directory.write("bin/cc-wrapper", "#!/bin/sh\nexec gcc \"$@\"\n", mode: 0o755)
    let renamed = directory.appending("bin/notclang")
    try #require(symlink(gcc, renamed) == 0)
    var compilers = [
      "gcc", "g++", "cc", "c++", "gcc-12", "g++-12", "x86_64-linux-gnu-gcc", "x86_64-linux-gnu-g++",
      "x86_64-linux-gnu-gcc-12", "x86_64-linux-gnu-g++-12", "clang", "clang++", "clang-14",
      "clang++-14",
      "/opt/swift/usr/bin/clang",
    ].compactMap(CompilerProbe.resolve).filter { access($0, X_OK) == 0 }
    #expect(compilers.count >= 4, "gcc, g++, cc and c++ at least")
    compilers += [wrapper, renamed]
    var families: Set<String> = []
    for compiler in compilers {
      let before = Questions()
      let old = try #require(
        CompilerProbe.identify(compiler, ask: before.ask(transcripts: false)), "\(compiler)")
      let now = Questions()
      let new = try #require(CompilerProbe.identify(compiler, ask: now.ask()), "\(compiler)")
      #expect(new.identity.text == old.identity.text, "\(compiler)")
      #expect(new.files == old.files, "\(compiler)")
      let asked = now.asked.withLock { $0 }
      let isClang = compiler.split(separator: "/").last?.hasPrefix("clang") == true
      let expected = isClang ? ["-###", "-dumpfullversion", "-dumpversion"] : ["-###"]
      #expect(asked == expected, "\(compiler): \(asked)")
      #expect(before.asked.withLock { $0.count } >= 4, "\(compiler)")
      families.insert(new.identity.family)
    }
    #expect(families.contains("gcc"))
    #expect(
      CompilerProbe.identify(renamed)?.identity.family == "clang",
      "gcc's --version line starts with its program name")
  }

  static let gcc12 = """
    Using built-in specs.
    COLLECT_GCC=/usr/bin/x86_64-linux-gnu-gcc-12
    Target: x86_64-linux-gnu
    Configured with: ../src/configure -v --with-pkgversion='Debian 12.2.0-14' --enable-languages=c,c++
    Thread model: posix
    gcc version 12.2.0 (Debian 12.2.0-14)\u{20}
    COLLECT_GCC_OPTIONS='-E' '-mtune=generic' '-march=x86-64'
     /usr/lib/gcc/x86_64-linux-gnu/12/cc1 -E -quiet -imultiarch x86_64-linux-gnu - "-mtune=generic"

    """

  @Test func gccTranscriptAnswersEveryQuestion() {
    let driver = DriverTranscript(Self.gcc12)
    #expect(driver.target == "x86_64-linux-gnu")
    #expect(driver.version == "12.2.0")
    #expect(driver.family == "gcc")
    #expect(driver.compilerProper == .program("/usr/lib/gcc/x86_64-linux-gnu/12/cc1"))
  }

  @Test func onlyAnswersInTheFormThatEqualsTheQuestionsAreTaken() {
    // Translated (LANG=de_DE): neither target nor version nor family; the command is not translated.
    let german = DriverTranscript(
      Self.gcc12.replacingOccurrences(of: "Target:", with: "Ziel:")
        .replacingOccurrences(of: "gcc version", with: "gcc-Version"))
    #expect(german.target == nil && german.version == nil && german.family == nil)
    #expect(german.compilerProper == .program("/usr/lib/gcc/x86_64-linux-gnu/12/cc1"))
    // gcc before 7 has no -dumpfullversion: its -dumpversion is asked.
    let six = DriverTranscript(
      Self.gcc12.replacingOccurrences(
        of: "gcc version 12.2.0", with: "gcc version 6.3.0 20170516"))
    #expect(six.version == nil && six.family == "gcc" && six.target == "x86_64-linux-gnu")
    // A snapshot's version string goes on with its date: the first word is -dumpfullversion's.
    let snapshot = DriverTranscript(
      Self.gcc12.replacingOccurrences(
        of: "gcc version 12.2.0", with: "gcc version 15.0.1 20250101 (experimental)"))
    #expect(snapshot.version == "15.0.1")
    // Without COLLECT_GCC the program name of --version's line is unknown.
    let unnamed = DriverTranscript(
      Self.gcc12.replacingOccurrences(
        of: "COLLECT_GCC=/usr/bin/x86_64-linux-gnu-gcc-12\n", with: ""))
    #expect(unnamed.family == nil && unnamed.version == "12.2.0")
    // "clang" in the program name or the package version makes --version's line a clang's.
    #expect(
      DriverTranscript(Self.gcc12.replacingOccurrences(of: "-gcc-12\n", with: "-clang\n")).family
        == "clang")
    #expect(
      DriverTranscript(Self.gcc12.replacingOccurrences(of: "(Debian", with: "(clang-compatible"))
        .family == "clang")
    #expect(
      DriverTranscript(Self.gcc12.replacingOccurrences(of: "/usr/bin/", with: "/opt/clang/bin/"))
        .family == "gcc", "a directory is not the program name")
    // Nothing at all: every question is asked.
    #expect(
      DriverTranscript("")
        == DriverTranscript("gcc: fatal error: no input files\ncompilation terminated.\n"))
    #expect(DriverTranscript("").target == nil && DriverTranscript("").compilerProper == nil)
  }

  @Test func theCompilerProperIsTheFirstCommandsProgram() {
    // Quoted as gcc quotes a path with characters beyond [A-Za-z0-9_/.-].
    let quoted = DriverTranscript(
      Self.gcc12.replacingOccurrences(
        of: " /usr/lib/gcc/x86_64-linux-gnu/12/cc1 -E",
        with: #" "/opt/gcc 12/lib\$x/cc1" -E"#))
    #expect(quoted.compilerProper == .program("/opt/gcc 12/lib$x/cc1"))
    // Not found: gcc runs the bare name, as -print-prog-name=cc1 answers it.
    let missing = DriverTranscript(
      Self.gcc12.replacingOccurrences(of: " /usr/lib/gcc/x86_64-linux-gnu/12/cc1", with: " cc1"))
    #expect(missing.compilerProper == .program("cc1"))
    // Another first program (an old cpp): -print-prog-name=cc1 is asked.
    let cpp = DriverTranscript(
      Self.gcc12.replacingOccurrences(of: "/12/cc1 -E", with: "/12/cpp0 -E"))
    #expect(cpp.compilerProper == nil)
    #expect(
      DriverTranscript.words(#" "a b" c "d\"e" "f\\g" "#)
        == ["a b", "c", "d\"e", #"f\g"#])
  }

  @Test func clangAnswersTargetFamilyAndRunsItself() {
    let clang = DriverTranscript(
      """
      Ubuntu clang version 14.0.0-1ubuntu1.1
      Target: x86_64-pc-linux-gnu
      Thread model: posix
      InstalledDir: /usr/bin
       (in-process)
       "/usr/lib/llvm-14/bin/clang" "-cc1" "-triple" "x86_64-pc-linux-gnu" "-E"

      """)
    #expect(clang.target == "x86_64-pc-linux-gnu")
    #expect(clang.family == "clang")
    #expect(clang.version == nil, "the banner's 14.0.0-1ubuntu1.1 is not -dumpversion's 14.0.0")
    #expect(clang.compilerProper == .itself)
  }
}
