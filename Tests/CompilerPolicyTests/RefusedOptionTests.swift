import CompilerPolicy
import Testing

/// Every unsafe option in every spelling the drivers accept, alone, inside `-Wp,` where that reaches the
/// compiler, and inside a response file; `--enable-tcp-insecure` loosens none of them.
@Suite struct RefusedOptionTests {
  struct Case: Sendable, CustomStringConvertible {
    let options: String
    let reported: String
    let reason: RefusalReason
    var description: String { options }
  }

  static let cases: [Case] = [
    // A program of the client's choosing (daemon.md §14).
    Case(options: "-wrapper /bin/sh,-c,touch", reported: "-wrapper", reason: .runsProgram),
    Case(options: "-wrapper=/bin/sh", reported: "-wrapper=/bin/sh", reason: .runsProgram),
    Case(options: "--wrapper /bin/sh", reported: "--wrapper", reason: .runsProgram),
    Case(options: "-no-integrated-cpp", reported: "-no-integrated-cpp", reason: .runsProgram),
    Case(options: "--no-integrated-cpp", reported: "--no-integrated-cpp", reason: .runsProgram),
    Case(options: "-fno-integrated-as", reported: "-fno-integrated-as", reason: .runsProgram),
    Case(options: "-no-integrated-as", reported: "-no-integrated-as", reason: .runsProgram),
    Case(options: "-fuse-ld=/tmp/evil/ld", reported: "-fuse-ld=/tmp/evil/ld", reason: .runsProgram),
    Case(options: "--ld-path=/tmp/ld", reported: "--ld-path=/tmp/ld", reason: .runsProgram),
    Case(
      options: "-fmodule-mapper=|/tmp/evil", reported: "-fmodule-mapper=|/tmp/evil",
      reason: .runsProgram),
    Case(options: "-B /tmp/evil", reported: "-B", reason: .programSearchPath),
    Case(options: "-B/tmp/evil", reported: "-B/tmp/evil", reason: .programSearchPath),
    Case(options: "--prefix /tmp/evil", reported: "--prefix", reason: .programSearchPath),
    Case(options: "--prefix=/tmp/evil", reported: "--prefix=/tmp/evil", reason: .programSearchPath),
    Case(options: "-gcc-toolchain /tmp/tc", reported: "-gcc-toolchain", reason: .programSearchPath),
    Case(
      options: "--gcc-toolchain=/tmp/tc", reported: "--gcc-toolchain=/tmp/tc",
      reason: .programSearchPath),
    // Plugins.
    Case(options: "-fplugin=/tmp/p.so", reported: "-fplugin=/tmp/p.so", reason: .loadsPlugin),
    Case(options: "-fplugin-arg-p-key=v", reported: "-fplugin-arg-p-key=v", reason: .loadsPlugin),
    Case(
      options: "-fpass-plugin=/tmp/p.so", reported: "-fpass-plugin=/tmp/p.so", reason: .loadsPlugin),
    Case(options: "-iplugindir=/tmp", reported: "-iplugindir=/tmp", reason: .loadsPlugin),
    Case(
      options: "-Xclang -load -Xclang /tmp/p.so", reported: "-Xclang -load", reason: .unknownOption),
    Case(options: "-Xclang -plugin", reported: "-Xclang -plugin", reason: .unknownOption),
    // Specs files, every spelling.
    Case(options: "-specs=/tmp/s", reported: "-specs=/tmp/s", reason: .specsFile),
    Case(options: "-specs /tmp/s", reported: "-specs", reason: .specsFile),
    Case(options: "--specs=/tmp/s", reported: "--specs=/tmp/s", reason: .specsFile),
    Case(options: "--specs /tmp/s", reported: "--specs", reason: .specsFile),
    // Files written where the client says.
    Case(options: "-aux-info /tmp/x", reported: "-aux-info", reason: .writesChosenPath),
    Case(options: "-aux-info=/tmp/x", reported: "-aux-info=/tmp/x", reason: .writesChosenPath),
    Case(options: "-dumpdir /tmp/", reported: "-dumpdir", reason: .writesChosenPath),
    Case(options: "--dumpdir /tmp/", reported: "--dumpdir", reason: .writesChosenPath),
    Case(options: "-dumpbase /tmp/x", reported: "-dumpbase", reason: .writesChosenPath),
    Case(options: "--dumpbase /tmp/x", reported: "--dumpbase", reason: .writesChosenPath),
    Case(options: "-dumpbase-ext .c", reported: "-dumpbase-ext", reason: .writesChosenPath),
    Case(
      options: "-fdump-tree-all=/tmp/x", reported: "-fdump-tree-all=/tmp/x",
      reason: .writesSideFiles),
    Case(options: "-fdump-rtl-expand", reported: "-fdump-rtl-expand", reason: .writesSideFiles),
    Case(
      options: "-fdump-go-spec=/tmp/x", reported: "-fdump-go-spec=/tmp/x", reason: .writesChosenPath
    ),
    Case(
      options: "-fopt-info-vec=/tmp/x", reported: "-fopt-info-vec=/tmp/x", reason: .writesChosenPath
    ),
    Case(
      options: "-fdiagnostics-format=sarif-file", reported: "-fdiagnostics-format=sarif-file",
      reason: .writesSideFiles),
    Case(
      options: "-fdiagnostics-add-output=sarif:file=/tmp/x",
      reported: "-fdiagnostics-add-output=sarif:file=/tmp/x", reason: .writesChosenPath),
    Case(options: "-time=/tmp/x", reported: "-time=/tmp/x", reason: .writesChosenPath),
    Case(options: "-MJ /tmp/x", reported: "-MJ", reason: .writesChosenPath),
    Case(
      options: "-serialize-diagnostics /tmp/x", reported: "-serialize-diagnostics",
      reason: .writesChosenPath),
    Case(
      options: "-foptimization-record-file=/tmp/x", reported: "-foptimization-record-file=/tmp/x",
      reason: .writesChosenPath),
    Case(
      options: "-fcrash-diagnostics-dir=/tmp", reported: "-fcrash-diagnostics-dir=/tmp",
      reason: .writesChosenPath),
    Case(
      options: "-fprofile-note=/tmp/x", reported: "-fprofile-note=/tmp/x", reason: .writesChosenPath
    ),
    Case(options: "-fprofile-dir=/tmp", reported: "-fprofile-dir=/tmp", reason: .writesChosenPath),
    Case(options: "-drtl", reported: "-drtl", reason: .writesSideFiles),
    Case(options: "-MF /tmp/x.d", reported: "-MF", reason: .pathOutsideJob),
    Case(options: "-MF/tmp/x.d", reported: "-MF/tmp/x.d", reason: .pathOutsideJob),
    Case(options: "-MF ../../x.d", reported: "-MF", reason: .pathOutsideJob),
    Case(options: "-MFdeps/../../x.d", reported: "-MFdeps/../../x.d", reason: .pathOutsideJob),
    Case(options: "-Wp,-MD,/tmp/x.d", reported: "-MF", reason: .pathOutsideJob),
    Case(options: "-Wp,-MF,../x.d", reported: "-MF", reason: .pathOutsideJob),
    Case(options: "-Wp,-o,/tmp/x", reported: "-o", reason: .outputNotRewritable),
    Case(options: "-Wp,x.i,/tmp/x", reported: "x.i", reason: .writesChosenPath),
    Case(
      options: "-Xpreprocessor -MF -Xpreprocessor /tmp/x", reported: "-MF", reason: .operandMissing),
    Case(
      options: "-Wa,-adhln=/tmp/x.lst",
      reported: "-Wa,-adhln=/tmp/x.lst (assembler option -adhln=/tmp/x.lst)", reason: .unknownOption
    ),
    Case(
      options: "-Wa,--MD,/tmp/x.d", reported: "-Wa,--MD,/tmp/x.d (assembler option --MD)",
      reason: .unknownOption),
    Case(
      options: "-Wa,-o,/tmp/x", reported: "-Wa,-o,/tmp/x (assembler option -o)",
      reason: .unknownOption),
    Case(
      options: "--for-assembler=-a=/tmp/x",
      reported: "--for-assembler=-a=/tmp/x (assembler option -a=/tmp/x)", reason: .unknownOption),
    Case(
      options: "-Xassembler -a=/tmp/x", reported: "-Xassembler (assembler option -a=/tmp/x)",
      reason: .unknownOption),
    Case(
      options: "-Wa,@/tmp/rsp", reported: "-Wa,@/tmp/rsp (assembler option @/tmp/rsp)",
      reason: .unknownOption),
    Case(
      options: "-mllvm -info-output-file=/tmp/x", reported: "-mllvm -info-output-file=/tmp/x",
      reason: .unknownOption),
    Case(options: "-o /tmp/second.o", reported: "-o", reason: .outputNotRewritable),
    Case(options: "--output=/tmp/x.o", reported: "--output=/tmp/x.o", reason: .outputNotRewritable),
    Case(options: "--output /tmp/x.o", reported: "--output", reason: .outputNotRewritable),
    // Side files the daemon does not return.
    Case(options: "-save-temps", reported: "-save-temps", reason: .writesSideFiles),
    Case(options: "-save-temps=obj", reported: "-save-temps=obj", reason: .writesSideFiles),
    Case(options: "--save-temps", reported: "--save-temps", reason: .writesSideFiles),
    Case(options: "-gsplit-dwarf", reported: "-gsplit-dwarf", reason: .writesSideFiles),
    Case(options: "-fstack-usage", reported: "-fstack-usage", reason: .writesSideFiles),
    Case(options: "-fcallgraph-info=su", reported: "-fcallgraph-info=su", reason: .writesSideFiles),
    Case(options: "--coverage", reported: "--coverage", reason: .writesSideFiles),
    Case(options: "-ftest-coverage", reported: "-ftest-coverage", reason: .writesSideFiles),
    Case(options: "-ftime-trace", reported: "-ftime-trace", reason: .writesSideFiles),
    Case(
      options: "-fsave-optimization-record", reported: "-fsave-optimization-record",
      reason: .writesSideFiles),
    Case(options: "-save-stats=obj", reported: "-save-stats=obj", reason: .writesSideFiles),
    Case(options: "-objcmt-migrate-all", reported: "-objcmt-migrate-all", reason: .writesSideFiles),
    Case(options: "-fmodules", reported: "-fmodules", reason: .sharedCache),
    Case(
      options: "-fmodules-cache-path=/tmp/c", reported: "-fmodules-cache-path=/tmp/c",
      reason: .sharedCache),
    Case(options: "-fmodules-ts", reported: "-fmodules-ts", reason: .sharedCache),
    Case(options: "--config=/tmp/c.cfg", reported: "--config=/tmp/c.cfg", reason: .changesDriver),
    Case(options: "--config /tmp/c.cfg", reported: "--config", reason: .changesDriver),
    Case(options: "--driver-mode=cl", reported: "--driver-mode=cl", reason: .changesDriver),
    // Byte-level matching: a combining mark does not hide -B from the driver.
    Case(
      options: "-B\u{301}/tmp/evil", reported: "-B\\xcc\\x81/tmp/evil", reason: .programSearchPath),
  ]

  static let base = "gcc -c x.c -o x.o"

  @Test(arguments: cases, [false, true])
  func unsafeOptionIsRefused(testCase: Case, insecure: Bool) {
    let decision = check("\(Self.base) \(testCase.options)", insecure: insecure)
    #expect(decision == .refused(option: testCase.reported, reason: testCase.reason))
    #expect(decision.message.hasPrefix("distccd: option \(testCase.reported) refused: "))
    #expect(!decision.message.contains("\n"))
  }

  @Test(arguments: cases, [false, true])
  func unsafeOptionInsideResponseFileIsRefused(testCase: Case, insecure: Bool) {
    let files = ["args.rsp": "-O2 @inner.rsp", "inner.rsp": testCase.options]
    let decision = check("\(Self.base) @args.rsp", insecure: insecure, files: files)
    #expect(decision == .refused(option: testCase.reported, reason: testCase.reason))
  }

  static let preprocessorSpellings = [
    "-Wp,-fplugin=/tmp/p.so", "-Xpreprocessor -fplugin=/tmp/p.so", "-Wp,-B,/tmp/evil",
    "-Wp,-specs=/tmp/s", "-Wp,-aux-info,/tmp/x",
  ]

  @Test(arguments: preprocessorSpellings)
  func unsafeOptionInsidePreprocessorListIsRefused(options: String) {
    guard case .refused = check("\(Self.base) \(options)") else {
      Issue.record("\(options) passed")
      return
    }
  }

  @Test(arguments: [
    "-frobnicate-with-lasers", "--fancy-new-option=1", "-Xfoo", "-E", "-ivfsoverlay x",
  ])
  func unknownOptionIsRefusedUnlessInsecure(option: String) {
    let name = String(option.split(separator: " ")[0])
    let decision = check("\(Self.base) \(option)")
    if name == "-frobnicate-with-lasers" {
      #expect(decision.isAllowed, "the -f family passes")
      return
    }
    #expect(!decision.isAllowed)
    if name != "-ivfsoverlay" {
      #expect(decision == .refused(option: name, reason: .unknownOption))
      #expect(check("\(Self.base) \(option)", insecure: true).isAllowed)
    } else {
      #expect(!check("\(Self.base) \(option)", insecure: true).isAllowed)
    }
  }

  @Test(arguments: ["gcc x.c -o x", "gcc x.c", "gcc -E x.c -o x.i", "gcc -Wp,-c x.c -o x.o"])
  func commandWithoutCompileIsRefused(command: String) {
    #expect(!check(command, insecure: true).isAllowed)
  }
}
