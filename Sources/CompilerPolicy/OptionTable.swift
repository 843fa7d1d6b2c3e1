/// The standard policy table: gcc and clang options, by family. The longest matching name wins, so a
/// refused `-fplugin` beats the allowed `-f` family and an allowed `-fdump-noaddr` beats a refused
/// `-fdump-`. Docs/security.md explains every refusal.
extension OptionRule {
  /// Options that take no operand and are plainly part of a compile.
  static let compileFlags: [OptionRule] = [
    "-c", "-S", "-pipe", "-pthread", "-pthreads", "-w", "-v", "-Q", "-Qunused-arguments", "-H",
    "-P",
    "-C", "-CC",
    "-undef", "-trigraphs", "-traditional", "-traditional-cpp", "-ansi", "-p", "-pg", "-time",
    "-pedantic", "-pedantic-errors", "--pedantic", "--pedantic-errors", "-nostdinc", "-nostdinc++",
    "-nostdlib", "-nostdlib++", "-nostartfiles", "-nodefaultlibs", "-nolibc", "-shared", "-static",
    "-static-pie", "-pie", "-no-pie", "-rdynamic", "-s", "-symbolic", "-static-libgcc",
    "-shared-libgcc", "-static-libstdc++", "-no-canonical-prefixes", "-I-", "-M", "-MM", "-MD",
    "-MMD",
    "-MP", "-MG", "-emit-llvm", "-integrated-as", "-fintegrated-as", "-nobuiltininc",
    "-fdump-noaddr", "-fdump-unnumbered", "-fdump-unnumbered-links", "-dD", "-dM", "-dN", "-dI",
    "-dU",
    "-dA", "-dP", "--ansi", "--compile", "--assemble", "--pipe", "--no-warnings",
    "--verbose", "--trace-includes", "--comments", "--comments-in-macros", "--no-line-commands",
    "--no-standard-includes", "--no-standard-libraries", "--traditional-cpp", "--trigraphs",
    "--undef", "--all-warnings", "--extra-warnings", "--dependencies", "--user-dependencies",
    "--write-dependencies", "--write-user-dependencies", "--print-missing-file-dependencies",
    "--include-barrier", "--static", "--shared", "--symbolic", "--no-canonical-prefixes",
    // clang < 16 with -ftrivial-auto-var-init=zero (Kbuild, CONFIG_INIT_STACK_ALL_ZERO).
    "-enable-trivial-auto-var-init-zero-knowing-it-will-be-removed-from-clang",
  ].map { OptionRule($0, .flag, .allow) }

  /// Option families whose every member is a code-generation, warning, language or machine choice.
  static let compileFamilies: [OptionRule] = [
    "-O", "-g", "-W", "-f", "-m", "-std=", "--std=", "--std", "-Werror", "--optimize", "--debug",
    "--warn-", "--machine-", "-march=", "-mtune=", "-stdlib=", "--stdlib=", "-rtlib=", "--rtlib=",
    "-unwindlib=", "--target=", "-fsanitize", "-flto",
  ].map { OptionRule($0, .family, .allow) }

  /// Options with an operand that only names an input, a macro or a language: read, never written.
  static let compileOperands: [OptionRule] = [
    "-D", "-U", "-I", "-isystem", "-iquote", "-idirafter", "-include", "-imacros", "-iprefix",
    "-iwithprefix", "-iwithprefixbefore", "-isysroot", "--sysroot", "--sysroot=", "-imultilib",
    "-imultiarch", "-x", "--param", "--param=", "-MT", "-MQ", "-A", "-target", "-arch",
    "-resource-dir", "-resource-dir=", "-include-pch", "-F", "-iframework", "-cxx-isystem",
    "--define-macro", "--define-macro=", "--undefine-macro", "--undefine-macro=",
    "--include-directory", "--include-directory=", "--include-directory-after",
    "--include-directory-after=", "--include-prefix", "--include-prefix=", "--include-with-prefix",
    "--include-with-prefix=", "--include-with-prefix-before", "--include-with-prefix-before=",
    "--include-with-prefix-after", "--include-with-prefix-after=", "--include", "--include=",
    "--imacros", "--imacros=", "--language", "--language=", "--assert", "--assert=",
  ].map { OptionRule($0, .joinedOrSeparate, .allow) }

  /// The rules with an action of their own.
  static let special: [OptionRule] = [
    OptionRule("-o", .joinedOrSeparate, .output),
    OptionRule("-MF", .joinedOrSeparate, .confinedPath),
    OptionRule("-Wa,", .joined, .assemblerList),
    OptionRule("--for-assembler", .joinedOrSeparate, .assemblerList),
    OptionRule("--for-assembler=", .joined, .assemblerList),
    OptionRule("-Xassembler", .separate, .assemblerOption),
    OptionRule("-Wp,", .joined, .preprocessorList),
    OptionRule("-Xpreprocessor", .separate, .preprocessorOption),
    OptionRule("-Wl,", .joined, .linkerOnly),
    OptionRule("-Xlinker", .separate, .linkerOnly),
    OptionRule("--for-linker", .joinedOrSeparate, .linkerOnly),
    OptionRule("--for-linker=", .joined, .linkerOnly),
    OptionRule("-L", .joinedOrSeparate, .linkerOnly),
    OptionRule("-l", .joinedOrSeparate, .linkerOnly),
    OptionRule("--library-directory", .joinedOrSeparate, .linkerOnly),
    OptionRule("--library-directory=", .joined, .linkerOnly),
    OptionRule("-u", .joinedOrSeparate, .linkerOnly),
    OptionRule("-z", .joinedOrSeparate, .linkerOnly),
    OptionRule("-Xclang", .separate, .clangOption),
    OptionRule("-mllvm", .separate, .llvmOption),
    OptionRule("-fuse-ld=", .joined, .programName),
    OptionRule("-fopt-info", .family, .refuseValue(containing: "=", .writesChosenPath)),
    OptionRule(
      "-fdiagnostics-format=", .joined, .refuseValue(containing: "file", .writesSideFiles)),
    OptionRule("-fprofile-sample-use=", .joined, .allow),
  ]

  /// Options that are never run for a client, in every spelling the drivers accept.
  static let refused: [OptionRule] = [
    // The driver runs a program of the client's choosing.
    OptionRule("-wrapper", .joinedOrSeparate, .refuse(.runsProgram)),
    OptionRule("--wrapper", .joinedOrSeparate, .refuse(.runsProgram)),
    OptionRule("-no-integrated-cpp", .family, .refuse(.runsProgram)),
    OptionRule("--no-integrated-cpp", .family, .refuse(.runsProgram)),
    OptionRule("-no-integrated-as", .family, .refuse(.runsProgram)),
    OptionRule("-fno-integrated-as", .family, .refuse(.runsProgram)),
    OptionRule("--ld-path=", .joined, .refuse(.runsProgram)),
    OptionRule("-fmodule-mapper=", .joined, .refuse(.runsProgram)),
    OptionRule("-ccc-", .family, .refuse(.runsProgram)),
    OptionRule("-###", .family, .refuse(.notACompile)),
    // Where the driver finds cc1, as, collect2.
    OptionRule("-B", .joinedOrSeparate, .refuse(.programSearchPath)),
    OptionRule("--prefix", .joinedOrSeparate, .refuse(.programSearchPath)),
    OptionRule("-gcc-toolchain", .joinedOrSeparate, .refuse(.programSearchPath)),
    OptionRule("--gcc-toolchain", .joinedOrSeparate, .refuse(.programSearchPath)),
    OptionRule("--gcc-install-dir", .joinedOrSeparate, .refuse(.programSearchPath)),
    OptionRule("-iplugindir", .joinedOrSeparate, .refuse(.loadsPlugin)),
    // Code loaded into the compiler.
    OptionRule("-fplugin", .joinedOrSeparate, .refuse(.loadsPlugin)),
    OptionRule("--plugin", .joinedOrSeparate, .refuse(.loadsPlugin)),
    OptionRule("-fpass-plugin", .joinedOrSeparate, .refuse(.loadsPlugin)),
    OptionRule("-load", .joinedOrSeparate, .refuse(.loadsPlugin)),
    OptionRule("-plugin", .joinedOrSeparate, .refuse(.loadsPlugin)),
    OptionRule("-add-plugin", .joinedOrSeparate, .refuse(.loadsPlugin)),
    // Specs files.
    OptionRule("-specs", .joinedOrSeparate, .refuse(.specsFile)),
    OptionRule("--specs", .joinedOrSeparate, .refuse(.specsFile)),
    // Files written where the client says.
    OptionRule("-aux-info", .joinedOrSeparate, .refuse(.writesChosenPath)),
    OptionRule("--aux-info", .joinedOrSeparate, .refuse(.writesChosenPath)),
    OptionRule("-dumpdir", .joinedOrSeparate, .refuse(.writesChosenPath)),
    OptionRule("--dumpdir", .joinedOrSeparate, .refuse(.writesChosenPath)),
    OptionRule("-dumpbase", .joinedOrSeparate, .refuse(.writesChosenPath)),
    OptionRule("--dumpbase", .joinedOrSeparate, .refuse(.writesChosenPath)),
    OptionRule("-d", .family, .refuse(.writesSideFiles)),
    OptionRule("-fdump-", .family, .refuse(.writesSideFiles)),
    OptionRule("-time=", .joined, .refuse(.writesChosenPath)),
    OptionRule("-objcmt-", .family, .refuse(.writesSideFiles)),
    OptionRule("-MJ", .joinedOrSeparate, .refuse(.writesChosenPath)),
    OptionRule("-serialize-diagnostics", .joinedOrSeparate, .refuse(.writesChosenPath)),
    OptionRule("--serialize-diagnostics", .joinedOrSeparate, .refuse(.writesChosenPath)),
    OptionRule("-index-store-path", .joinedOrSeparate, .refuse(.writesChosenPath)),
    OptionRule("-foptimization-record-file=", .joined, .refuse(.writesChosenPath)),
    OptionRule("-fcrash-diagnostics", .family, .refuse(.writesChosenPath)),
    OptionRule("-fproc-stat-report", .family, .refuse(.writesChosenPath)),
    OptionRule("-fprofile-dir=", .joined, .refuse(.writesChosenPath)),
    OptionRule("-fprofile-note=", .joined, .refuse(.writesChosenPath)),
    OptionRule("-fdiagnostics-add-output=", .joined, .refuse(.writesChosenPath)),
    OptionRule("-fdiagnostics-set-output=", .joined, .refuse(.writesChosenPath)),
    OptionRule("-fltrans-output-list=", .joined, .refuse(.writesChosenPath)),
    OptionRule("--output", .joinedOrSeparate, .refuse(.outputNotRewritable)),
    // Side files next to the output, which the client never receives.
    OptionRule("-save-temps", .family, .refuse(.writesSideFiles)),
    OptionRule("--save-temps", .family, .refuse(.writesSideFiles)),
    OptionRule("-save-stats", .family, .refuse(.writesSideFiles)),
    OptionRule("--save-stats", .family, .refuse(.writesSideFiles)),
    OptionRule("-gsplit-dwarf", .family, .refuse(.writesSideFiles)),
    OptionRule("-fsplit-dwarf-inlining", .flag, .allow),
    OptionRule("-fstack-usage", .flag, .refuse(.writesSideFiles)),
    OptionRule("-fcallgraph-info", .family, .refuse(.writesSideFiles)),
    OptionRule("-fprofile-arcs", .flag, .refuse(.writesSideFiles)),
    OptionRule("-ftest-coverage", .flag, .refuse(.writesSideFiles)),
    OptionRule("--coverage", .flag, .refuse(.writesSideFiles)),
    OptionRule("-coverage", .flag, .refuse(.writesSideFiles)),
    OptionRule("-fsave-optimization-record", .family, .refuse(.writesSideFiles)),
    OptionRule("-ftime-trace", .family, .refuse(.writesSideFiles)),
    OptionRule("-frepo", .flag, .refuse(.writesSideFiles)),
    OptionRule("-fcompare-debug", .family, .refuse(.writesSideFiles)),
    OptionRule("-fdump-ada-spec", .family, .refuse(.writesSideFiles)),
    OptionRule("-fdump-go-spec", .family, .refuse(.writesChosenPath)),
    OptionRule("--analyze", .flag, .refuse(.writesSideFiles)),
    OptionRule("-gen-reproducer", .family, .refuse(.writesSideFiles)),
    // Caches outside the job.
    OptionRule("-fmodules", .family, .refuse(.sharedCache)),
    OptionRule("-fcxx-modules", .flag, .refuse(.sharedCache)),
    OptionRule("-fimplicit-modules", .flag, .refuse(.sharedCache)),
    OptionRule("-fmodule-", .family, .refuse(.sharedCache)),
    OptionRule("-fprebuilt-module-path=", .joined, .refuse(.sharedCache)),
    OptionRule("-fno-modules", .family, .allow),
    // The driver reads its options differently.
    OptionRule("--config", .joinedOrSeparate, .refuse(.changesDriver)),
    OptionRule("--config-", .family, .refuse(.changesDriver)),
    OptionRule("--driver-mode=", .joined, .refuse(.changesDriver)),
    OptionRule("-ivfsoverlay", .joinedOrSeparate, .refuse(.changesDriver)),
    OptionRule("-Xanalyzer", .separate, .refuse(.changesDriver)),
    OptionRule("-Xarch_", .family, .refuse(.changesDriver)),
    OptionRule("-Xopenmp-target", .family, .refuse(.changesDriver)),
    OptionRule("-Xcuda-", .family, .refuse(.changesDriver)),
  ]

  /// The whole standard table.
  public static let standardTable: [OptionRule] =
    compileFlags + compileFamilies + compileOperands + special + refused
}

/// Assembler options (inside `-Wa,` and after `-Xassembler`) that neither write a file nor read one of
/// the client's choosing beyond include directories. Everything else (`-a…=FILE` listings, `-o`, `--MD`,
/// `@FILE`) is refused.
enum AssemblerOptions {
  static let exact: Set<String> = [
    "--noexecstack", "--execstack", "--32", "--64", "--x32", "-g", "--gen-debug",
    "--nocompress-debug-sections", "--compress-debug-sections", "-W", "--no-warn", "--warn",
    "--fatal-warnings", "-K", "-R", "--strip-local-absolute", "-L", "--keep-locals", "-Q", "-V",
    "--reduce-memory-overheads", "-mbig-obj", "--gstabs", "--gstabs+", "--gdwarf-2", "--gdwarf-3",
    "--gdwarf-4", "--gdwarf-5", "--gdwarf2", "--hash-size", "-n", "--nocpp",
  ]
  static let prefixes: [String] = [
    "-m", "--compress-debug-sections=", "--generate-missing-build-notes=", "--elf-stt-common=",
    "--size-check=", "-I", "--gdwarf-", "--debug-prefix-map", "--sectname-subst",
    "--defsym", "--gsframe",
  ]

  static func allows(_ text: [UInt8]) -> Bool {
    exact.contains { text.elementsEqual($0.utf8) }
      || prefixes.contains { text.starts(with: $0.utf8) }
  }
}

/// `-Xclang` operands real builds use (precompiled headers, colours, optnone); anything else could load
/// a plugin (`-load`, `-plugin`) or write a file (`-dependency-file`, `-stats-file=`).
enum ClangOptions {
  static let exact: Set<String> = [
    "-fno-pch-timestamp", "-fcolor-diagnostics", "-fno-color-diagnostics", "-disable-O0-optnone",
    "-fno-validate-pch", "-mconstructor-aliases", "-mno-constructor-aliases",
    "-fno-experimental-new-pass-manager",
    "-fexperimental-new-pass-manager", "-disable-llvm-verifier", "-discard-value-names",
    "-fno-math-builtin", "-debug-info-kind=constructor", "-fdebug-compilation-dir=.",
  ]

  static func allows(_ text: [UInt8]) -> Bool { exact.contains { text.elementsEqual($0.utf8) } }
}

/// `-mllvm` operands: tuning knobs only. A value with `/` is refused whatever its name.
enum LLVMOptions {
  static let prefixes: [String] = [
    "-inline-threshold=", "-x86-asm-syntax=", "-enable-", "-disable-", "-unroll-", "-vectorize-",
    "-align-all-", "-x86-", "-arm-", "-aarch64-", "-polly", "-hot-cold-split",
    "-import-instr-limit=",
    "-instcombine-", "-regalloc=", "-mergefunc-",
  ]

  static func allows(_ text: [UInt8]) -> Bool {
    !text.contains(UInt8(ascii: "/")) && !text.contains(subsequence: "file")
      && prefixes.contains { text.starts(with: $0.utf8) }
  }
}

extension AssemblerOptions {
  /// Assembler options whose operand is the next list element (`-Wa,-I,dir`).
  static func takesOperand(_ element: [UInt8]) -> Bool {
    element.elementsEqual("-I".utf8) || element.elementsEqual("--defsym".utf8)
      || element.elementsEqual("--debug-prefix-map".utf8)
  }
}
