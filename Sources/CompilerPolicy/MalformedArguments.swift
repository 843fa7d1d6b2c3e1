/// A command line that no real client sends: a protocol error, never a crash.
public enum MalformedArguments: Error, Sendable, Equatable, CustomStringConvertible {
  /// `ARGC 0`.
  case empty
  /// `argv[0]` is empty.
  case emptyCompilerName
  /// `argv[0]` starts with `-`: the compiler name would be read as an option.
  case compilerNameIsOption(String)
  /// A NUL byte inside an argument, which would silently cut it short in the compiler's `argv`.
  case containsNUL(index: Int)
  /// More arguments than `ArgumentPolicy.Limits.maxArguments` (after response-file expansion).
  case tooManyArguments(count: Int, limit: Int)
  /// One argument longer than `ArgumentPolicy.Limits.maxArgumentLength`.
  case argumentTooLong(index: Int, length: Int, limit: Int)
  /// An option that takes the next argument is the last one (`-o`, `-MF`, `-D` …).
  case missingOperand(option: String)

  public var description: String {
    switch self {
    case .empty: "no arguments (ARGC 0)"
    case .emptyCompilerName: "the compiler name (argument 0) is empty"
    case .compilerNameIsOption(let name): "the compiler name \(name) starts with '-'"
    case .containsNUL(let index): "argument \(index) contains a NUL byte"
    case .tooManyArguments(let count, let limit): "\(count) arguments (limit \(limit))"
    case .argumentTooLong(let index, let length, let limit):
      "argument \(index) is \(length) bytes long (limit \(limit))"
    case .missingOperand(let option): "\(option) is the last argument but needs an operand"
    }
  }
}
