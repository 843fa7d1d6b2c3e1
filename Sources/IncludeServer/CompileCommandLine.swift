/// The parts of a compiler command line that decide which files the preprocessor opens.
struct CompileCommandLine: Sendable, Hashable {
  /// Why a command line cannot be analysed (the client then preprocesses locally).
  struct Unsupported: Error, Sendable, CustomStringConvertible {
    var description: String
  }

  /// The compiler as the client runs it (`argv[0]`).
  var compiler: String
  /// The source file as written on the command line.
  var source: String
  /// `c`, `c++`, `objective-c` or `objective-c++`.
  var language: String
  /// `-iquote` directories, in order.
  var quoteDirectories: [String] = []
  /// `-I` directories, in order.
  var includeDirectories: [String] = []
  /// `-isystem` directories, in order.
  var systemDirectories: [String] = []
  /// `-idirafter` directories, in order.
  var afterDirectories: [String] = []
  /// `-include` and `-imacros` files, in order.
  var forcedIncludes: [String] = []
  /// `-D` definitions.
  var definitions: [String] = []
  /// Options that change the compiler's own search list (`--sysroot`, `-nostdinc`, `-m32` …), passed on
  /// when it is asked for its default directories.
  var searchOptions: [String] = []
  /// `-nostdinc`: no default directories at all.
  var noStandardIncludes = false

  /// Scans `arguments` (`argv[0]` first).
  init(_ arguments: [String]) throws(Unsupported) {
    guard let first = arguments.first else { throw Unsupported(description: "empty command line") }
    compiler = first
    var source: String?
    var language: String?
    var index = 1
    func value(_ option: String, _ argument: String) throws(Unsupported) -> String {
      if argument.count > option.count { return String(argument.dropFirst(option.count)) }
      index += 1
      guard index < arguments.count else {
        throw Unsupported(description: "\(option) without an argument")
      }
      return arguments[index]
    }
    while index < arguments.count {
      let argument = arguments[index]
      defer { index += 1 }
      if !argument.hasPrefix("-") || argument == "-" {
        if Self.language(ofFile: argument) != nil || language != nil {
          if source != nil { throw Unsupported(description: "more than one source file") }
          source = argument
        }
        continue
      }
      if argument.hasPrefix("-iquote") {
        quoteDirectories.append(try value("-iquote", argument))
      } else if argument.hasPrefix("-isystem") {
        systemDirectories.append(try value("-isystem", argument))
      } else if argument.hasPrefix("-idirafter") {
        afterDirectories.append(try value("-idirafter", argument))
      } else if argument == "-I-" {
        throw Unsupported(description: "-I- is not supported")
      } else if argument.hasPrefix("-I") {
        includeDirectories.append(try value("-I", argument))
      } else if argument.hasPrefix("-include") || argument.hasPrefix("-imacros") {
        let option = argument.hasPrefix("-include") ? "-include" : "-imacros"
        forcedIncludes.append(try value(option, argument))
      } else if argument.hasPrefix("--include=") {
        forcedIncludes.append(String(argument.dropFirst("--include=".count)))
      } else if argument.hasPrefix("-iprefix") || argument.hasPrefix("-iwithprefix")
        || argument.hasPrefix("-imultilib") || argument.hasPrefix("-iplugindir")
      {
        throw Unsupported(description: "\(argument) is not supported")
      } else if argument.hasPrefix("-D") {
        definitions.append(try value("-D", argument))
      } else if argument.hasPrefix("-U") {
        _ = try value("-U", argument)
      } else if argument.hasPrefix("-x") {
        let name = try value("-x", argument)
        language = name == "none" ? nil : name
      } else if argument == "-nostdinc" {
        noStandardIncludes = true
      } else if argument == "-nostdinc++" || argument.hasPrefix("--sysroot=")
        || argument.hasPrefix("-m") || argument.hasPrefix("--target=")
        || argument.hasPrefix("-isysroot") || argument.hasPrefix("-B") || argument == "-pthread"
      {
        searchOptions.append(argument)
        if argument == "-isysroot" || argument == "-B" {
          searchOptions.append(try value(argument, argument))
        }
      } else if argument == "--sysroot" || argument == "-target" {
        searchOptions += [argument, try value(argument, argument)]
      } else if Self.optionsWithValue.contains(argument) {
        index += 1
      }
    }
    guard let source else { throw Unsupported(description: "no source file") }
    guard let kind = language ?? Self.language(ofFile: source) else {
      throw Unsupported(description: "unknown language of \(source)")
    }
    guard !kind.hasSuffix("cpp-output") else {
      throw Unsupported(description: "\(source) is already preprocessed")
    }
    self.source = source
    self.language = kind
  }

  /// Options whose value is the next argument (and is not a source file).
  static let optionsWithValue: Set<String> = [
    "-o", "-MF", "-MT", "-MQ", "-aux-info", "-Xpreprocessor", "-Xassembler", "-Xlinker",
    "-dumpbase", "-dumpdir", "--param", "-wrapper", "-L", "-l",
  ]

  /// The language gcc infers from a file name; `…-cpp-output` for preprocessed input.
  static func language(ofFile name: String) -> String? {
    guard let dot = name.lastIndex(of: "."), !name[dot...].contains("/") else { return nil }
    switch name[name.index(after: dot)...] {
    case "c": return "c"
    case "cc", "cp", "cxx", "cpp", "CPP", "c++", "C", "hh", "hpp", "hxx", "H", "tcc": return "c++"
    case "m": return "objective-c"
    case "mm", "M": return "objective-c++"
    case "i": return "cpp-output"
    case "ii": return "c++-cpp-output"
    case "mi": return "objective-c-cpp-output"
    case "mii": return "objective-c++-cpp-output"
    default: return nil
    }
  }
}
