/// One row of the policy table: an option spelling, how it takes its operand, and what the daemon does
/// with it.
public struct OptionRule: Sendable, Equatable {
  /// How an option's text is matched and where its operand is.
  public enum Form: Sendable, Equatable {
    /// Only the exact text, no operand: `-c`, `-pipe`.
    case flag
    /// The exact text or any text it prefixes, no separate operand: `-O2`, `-Wall`, `-fPIC`.
    case family
    /// The exact text, operand in the next argument: `-wrapper PROG`, `-aux-info FILE`.
    case separate
    /// Any text it prefixes, the operand is the rest: `-std=c11`, `-fplugin=x.so`.
    case joined
    /// Either: `-o x.o` or `-ox.o`; `-I dir` or `-Idir`; `--specs FILE` or `--specs=FILE`.
    case joinedOrSeparate
  }

  /// What the daemon does with a matching option.
  public enum Action: Sendable, Equatable {
    /// A compile option: passes.
    case allow
    /// Never passes, not even with `--enable-tcp-insecure`.
    case refuse(RefusalReason)
    /// `-o`: the daemon rewrites it; exactly one, operand required.
    case output
    /// `-MF FILE`: a relative path that stays inside the job directory.
    case confinedPath
    /// `-Wa,LIST`: each comma-separated element must be an allowed assembler option.
    case assemblerList
    /// `-Xassembler OPT`: one assembler option.
    case assemblerOption
    /// `-Wp,LIST`: the elements are preprocessor options, checked with this same table.
    case preprocessorList
    /// `-Xpreprocessor OPT`: one preprocessor option, checked with this same table.
    case preprocessorOption
    /// `-Wl,`, `-Xlinker`, `-L`, `-l`: linker input, inert because a compile never links.
    case linkerOnly
    /// `-Xclang OPT`: one clang `-cc1` option from a short list.
    case clangOption
    /// `-mllvm OPT`: one LLVM option from a short list.
    case llvmOption
    /// `-fuse-ld=NAME`: a linker name (inert in a compile), never a path.
    case programName
    /// An `=FILE` (or any `=` value containing `/`) turns a harmless option into a file write:
    /// `-fopt-info-vec=FILE`, `-fdiagnostics-format=sarif-file`.
    case refuseValue(containing: String, RefusalReason)
  }

  /// The option's text as the driver spells it (`-o`, `--specs=`, `-fplugin`).
  public var name: String
  public var form: Form
  public var action: Action

  public init(_ name: String, _ form: Form, _ action: Action) {
    self.name = name
    self.form = form
    self.action = action
  }

  /// Whether the rule also matches arguments that merely start with `name`.
  var matchesPrefix: Bool {
    switch form {
    case .flag, .separate: false
    case .family, .joined, .joinedOrSeparate: true
    }
  }

  /// Whether the exact text takes the next argument as its operand.
  var takesSeparateOperand: Bool {
    switch form {
    case .separate, .joinedOrSeparate: true
    case .flag, .family, .joined: false
    }
  }
}
