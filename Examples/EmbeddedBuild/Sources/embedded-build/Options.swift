/// `embedded-build`'s command line.
struct Options {
  /// `--hosts`: a distcc host list; `nil` with `--in-process-daemon`.
  var hosts: String?
  /// `--jobs`: how many compiles run at once.
  var jobs = 4
  /// `--cflags`: extra compiler flags, split at blanks.
  var cflags: [String] = []
  var sourceDirectory = ""
  var outputDirectory = ""

  static let usage = """
    usage: embedded-build --hosts "HOSTS" --jobs N [--cflags "FLAGS"] SRC_DIR OUT_DIR
           embedded-build --in-process-daemon --jobs N [--cflags "FLAGS"] SRC_DIR OUT_DIR
    """

  /// Parses `arguments` (without the program name); a message naming the culprit when they are wrong.
  init(_ arguments: [String]) throws(UsageError) {
    var rest = arguments[...]
    var positional: [String] = []
    var inProcess = false
    func value(_ option: String) throws(UsageError) -> String {
      guard let value = rest.popFirst() else { throw UsageError("\(option) needs a value") }
      return value
    }
    while let argument = rest.popFirst() {
      switch argument {
      case "--hosts": hosts = try value(argument)
      case "--in-process-daemon": inProcess = true
      case "--jobs":
        let text = try value(argument)
        guard let jobs = Int(text), jobs > 0 else { throw UsageError("bad --jobs value: \(text)") }
        self.jobs = jobs
      case "--cflags": cflags = try value(argument).split(separator: " ").map(String.init)
      default:
        if argument.hasPrefix("-") { throw UsageError("unknown option: \(argument)") }
        positional.append(argument)
      }
    }
    guard (hosts == nil) == inProcess else {
      throw UsageError("give exactly one of --hosts and --in-process-daemon")
    }
    guard positional.count == 2 else { throw UsageError("need SRC_DIR and OUT_DIR") }
    sourceDirectory = positional[0]
    outputDirectory = positional[1]
  }
}

/// A command line that cannot be used, and why.
struct UsageError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
