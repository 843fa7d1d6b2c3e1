/// A compiler command line from a request, scanned with 3.4's client rules (client.md §4), which the
/// 3.4 daemon runs again on every request (daemon.md §5.2 step 4).
///
/// Arguments stay bytes: they need not be UTF-8.
struct CompileCommand: Sendable, Equatable {
  var arguments: [[UInt8]]
  /// Index of the source file argument.
  var sourceIndex: Int
  /// Where the output name is: the value after `-o`, joined `-oX`, or none (the daemon appends `-o`).
  var output: OutputLocation
  var compilesToAssembly: Bool

  enum OutputLocation: Sendable, Equatable {
    case separate(valueIndex: Int)
    case joined(index: Int)
    case none
  }

  /// Why a command cannot be served.
  struct Refusal: Error, Equatable, CustomStringConvertible {
    var description: String
    /// 3.4's internal code for the job summary (100 = "must be local", 120 = other).
    var code: Int = 100
  }

  var compiler: [UInt8] { arguments[0] }
  var source: [UInt8] { arguments[sourceIndex] }
  var sourceText: String { String(decoding: source, as: UTF8.self) }
  var compilerText: String { String(decoding: compiler, as: UTF8.self) }

  /// The client's output name, if any.
  var outputName: [UInt8]? {
    switch output {
    case .separate(let index): arguments[index]
    case .joined(let index): Array(arguments[index].dropFirst(2))
    case .none: nil
    }
  }

  static func has(_ argument: [UInt8], prefix: String) -> Bool {
    argument.starts(with: prefix.utf8)
  }
  static func equals(_ argument: [UInt8], _ text: String) -> Bool {
    argument.elementsEqual(text.utf8)
  }

  /// Scans `arguments` like 3.4; throws a ``Refusal`` for anything 3.4 would keep local or cannot serve.
  init(scanning arguments: [[UInt8]]) throws(Refusal) {
    guard let first = arguments.first, !first.isEmpty else {
      throw Refusal(description: "empty command line")
    }
    guard first[0] != UInt8(ascii: "-") else {
      throw Refusal(
        description: "compiler name \"\(String(decoding: first, as: UTF8.self))\" starts with -")
    }
    self.arguments = arguments
    var source: Int?
    var output: OutputLocation = .none
    var positionalOutput = false
    var sawCompile = false
    var sawAssembly = false
    var index = 1
    func setOutput(_ location: OutputLocation) throws(Refusal) {
      if output != .none || positionalOutput {
        throw Refusal(description: "called for link?  i give up")
      }
      output = location
    }
    while index < arguments.count {
      let argument = arguments[index]
      let text = String(decoding: argument, as: UTF8.self)
      if argument.first == UInt8(ascii: "-") {
        switch text {
        case "-E": throw Refusal(description: "-E call for cpp must be local")
        case "-MD", "-MMD", "-MG", "-MP": break
        case "-MF", "-MT", "-MQ": index += 1
        case "-march=native", "-mtune=native":
          throw Refusal(description: "\(text) generates code for the local machine; must be local")
        case "-flto": throw Refusal(description: "LTO cc invocations are not worth distributing")
        case "-S": sawAssembly = true
        case "-c": sawCompile = true
        case "-frepo": throw Refusal(description: "compiler will emit .rpo files; must be local")
        case "-fprofile-arcs", "-ftest-coverage", "--coverage", "-fprofile-correction":
          throw Refusal(description: "compiler will emit profile info; must be local")
        case "-o":
          guard index + 1 < arguments.count else {
            throw Refusal(description: "-o without a file name")
          }
          try setOutput(.separate(valueIndex: index + 1))
          index += 1
        default:
          if text.hasPrefix("-MF") || text.hasPrefix("-MT") || text.hasPrefix("-MQ") { break }
          if text.hasPrefix("-M") {
            throw Refusal(description: "-M implies -E (maybe) and must be local")
          }
          if text.hasPrefix("-Wa,") && (text.contains(",-a") || text.contains("--MD")) {
            throw Refusal(description: "-Wa,… must be local")
          }
          if text.hasPrefix("-specs=") { throw Refusal(description: "-specs=… must be local") }
          if ["-fprofile-generate", "-fprofile-use", "-fauto-profile"].contains(
            where: text.hasPrefix)
          {
            throw Refusal(description: "compiler will emit profile info; must be local")
          }
          if text.hasPrefix("-x"), index + 1 < arguments.count {
            let next = String(decoding: arguments[index + 1], as: UTF8.self)
            if !["c", "c++", "objective-c", "objective-c++", "go"].contains(where: next.hasPrefix) {
              throw Refusal(
                description: "gcc's -x handling is complex; running locally for \(next)")
            }
          }
          if text.hasPrefix("-dr") {
            throw Refusal(description: "gcc's debug option \(text) may write extra files")
          }
          if text.hasPrefix("-o") { try setOutput(.joined(index: index)) }
        }
      } else if SourceKind(fileName: argument) != nil {
        if source != nil { throw Refusal(description: "do we have two inputs?  i give up") }
        source = index
      } else if text.hasSuffix(".o") {
        if output != .none || positionalOutput {
          throw Refusal(description: "called for link?  i give up")
        }
        positionalOutput = true
      }
      index += 1
    }
    guard sawCompile || sawAssembly else {
      throw Refusal(description: "compiler apparently called not for compile")
    }
    guard let source else { throw Refusal(description: "no visible input file") }
    let base =
      arguments[source].split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).last
      ?? []
    if base.starts(with: "conftest.".utf8) || base.starts(with: "tmp.conftest.".utf8) {
      throw Refusal(description: "autoconf tests are run locally")
    }
    if positionalOutput { throw Refusal(description: "failed to find \"-o\"", code: 120) }
    self.sourceIndex = source
    self.output = output
    self.compilesToAssembly = sawAssembly
    if outputName.map({ CompileCommand.equals($0, "-") }) == true {
      throw Refusal(description: "output to stdout?  running locally")
    }
  }

  /// The command with the output replaced by (or, without `-o`, extended with) `-o path`.
  func replacingOutput(with path: [UInt8]) -> [[UInt8]] {
    var result = arguments
    switch output {
    case .separate(let index): result[index] = path
    case .joined(let index): result[index] = Array("-o".utf8) + path
    case .none: result += [Array("-o".utf8), path]
    }
    return result
  }
}

/// The kinds of source file 3.4 distributes, by extension (client.md §4.2).
enum SourceKind: Sendable, Equatable {
  case c, cPlusPlus, objectiveC, objectiveCPlusPlus

  init?(fileName: [UInt8]) {
    guard let dot = fileName.lastIndex(of: UInt8(ascii: ".")), dot + 1 < fileName.count,
      !fileName[dot...].contains(UInt8(ascii: "/"))
    else { return nil }
    switch String(decoding: fileName[(dot + 1)...], as: UTF8.self) {
    case "c", "i": self = .c
    case "cc", "cpp", "cxx", "cp", "c++", "C", "ii": self = .cPlusPlus
    case "m", "mi": self = .objectiveC
    case "mm", "M", "mii": self = .objectiveCPlusPlus
    default: return nil
    }
  }

  /// Extension of the preprocessed temp file (`.i`, `.ii`, `.mi`, `.mii`).
  var preprocessedExtension: String {
    switch self {
    case .c: ".i"
    case .cPlusPlus: ".ii"
    case .objectiveC: ".mi"
    case .objectiveCPlusPlus: ".mii"
    }
  }
}
