/// What the daemon may do with a compiler command line.
public enum ArgumentDecision: Sendable, Equatable, CustomStringConvertible {
  /// A compile whose inputs and outputs the daemon controls. The vector to run, with every response file
  /// (`@FILE`) expanded in place, so that the compiler never reads one the policy did not see.
  case allowed([[UInt8]])
  /// A well-formed command line the daemon will not run. The client should compile locally; `message`
  /// is the one line to send it in `SERR`.
  case refused(option: String, reason: RefusalReason)
  /// A command line no real client sends (no arguments, an option without its operand, NUL bytes, absurd
  /// sizes): a protocol error, answered by closing the connection.
  case malformed(MalformedArguments)

  /// The one-line explanation for the client and the log.
  public var message: String { "distccd: " + explanation }

  /// `message` without the program name, for a caller that adds its own prefix.
  public var explanation: String {
    switch self {
    case .allowed: "compile allowed"
    case .refused(let option, let reason): "option \(option) refused: \(reason)"
    case .malformed(let problem): "malformed command line: \(problem)"
    }
  }

  public var description: String { message }

  /// Whether the command may run.
  public var isAllowed: Bool {
    if case .allowed = self { return true }
    return false
  }
}

/// Why an option is refused. Each reason names a capability the daemon never hands to a client.
public enum RefusalReason: Sendable, Equatable, CustomStringConvertible {
  /// `-wrapper`, `-fuse-ld=/path`, `-no-integrated-as`: the driver would start a program the client chose.
  case runsProgram
  /// `-B`, `--prefix`, `-gcc-toolchain`: a search prefix for the driver's own programs (`cc1`, `as`).
  case programSearchPath
  /// `-fplugin=`, `-fplugin-arg-…`, `-fpass-plugin=`, `-iplugindir=`: code loaded into the compiler.
  case loadsPlugin
  /// `-specs=`, `--specs`: a specs file can make the driver run any program.
  case specsFile
  /// `-aux-info`, `-dumpdir`, `-fdump-…=FILE`, `-MJ`: a file written at a path the client chose.
  case writesChosenPath
  /// `-MF ../x`, `-MF /x`: a path that leaves the job directory.
  case pathOutsideJob
  /// `-save-temps`, `-gsplit-dwarf`, `-fstack-usage`, `--coverage`: side files the daemon does not send
  /// back. Compiling locally keeps them.
  case writesSideFiles
  /// `-fmodules`, `-fmodules-cache-path=`: a cache shared outside the job directory.
  case sharedCache
  /// `--config`, `--driver-mode=`: changes how the driver reads the rest of the command line.
  case changesDriver
  /// More than one `-o`, `--output`: the daemon rewrites exactly one `-o`.
  case outputNotRewritable
  /// No `-c` or `-S`: the driver would link.
  case notACompile
  /// `@FILE` where no uploaded file can be read (protocols 1 and 2), or a response file that is missing,
  /// too large or nested too deep.
  case responseFile(String)
  /// An option missing from the daemon's table (`--enable-tcp-insecure` lets these through).
  case unknownOption
  /// An option whose operand must come with it, split across `-Wp,`/`-Xpreprocessor`/`-Xassembler`.
  case operandMissing

  public var description: String {
    switch self {
    case .runsProgram: "it makes the compiler run a program of the client's choosing"
    case .programSearchPath: "it names where the compiler driver finds its own programs"
    case .loadsPlugin: "it loads a compiler plugin"
    case .specsFile: "a specs file can make the compiler driver run any program"
    case .writesChosenPath: "it writes a file at a path of the client's choosing"
    case .pathOutsideJob: "it names a path outside the job directory"
    case .writesSideFiles:
      "it writes side files the daemon does not return (compile locally to keep them)"
    case .sharedCache: "it uses a cache outside the job directory"
    case .changesDriver: "it changes how the compiler driver reads its options"
    case .outputNotRewritable: "the daemon controls the output through exactly one -o"
    case .notACompile: "without -c or -S the compiler would link"
    case .responseFile(let why): "response file: \(why)"
    case .unknownOption: "it is not on the daemon's list of compile options"
    case .operandMissing: "its operand must follow it in the same option list"
    }
  }
}
