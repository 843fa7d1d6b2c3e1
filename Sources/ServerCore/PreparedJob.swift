import CompilerArgs
import DistProtocol

/// A vetted request turned into a command to run in a job directory.
struct PreparedJob {
  /// The argument vector to run (output and, for protocol 1/2, input replaced by temp files).
  var arguments: [[UInt8]]
  var workingDirectory: String
  var objectPath: String
  /// Protocol 3: the dependency file the compiler writes, the `-MT` target and the root to strip.
  var dependencies: (path: String, target: [UInt8], root: String)?
  /// A rewritten-includes request: the source, which the compiler reads as its standard input.
  var standardInput: String? = nil

  /// Materialises `request`, vetted as `vetted`, in `directory`.
  /// - Throws: a refusal when a protocol-3 path would leave the job root, or a file cannot be written.
  init(_ request: Request, vetted: JobVetting.Vetted, in directory: JobDirectory) throws(JobRefusal)
  {
    let scanned = vetted.scanned
    objectPath = directory.file("output.o")
    var arguments = PreparedJob.replacingOutput(
      vetted.arguments, at: scanned.output, with: Array(objectPath.utf8))
    do {
      if request.version.serverPreprocesses {
        let root = try FakeRoot(path: directory.file("root"))
        workingDirectory = try root.makeDirectory(request.workingDirectory ?? Array("/".utf8))
        for file in request.files {
          switch file.content {
          case .file(let bytes): try root.writeFile(file.name, bytes)
          case .link(let target): try root.writeLink(file.name, target: target)
          }
        }
        let depsPath = directory.file("deps.d")
        let target =
          PreparedJob.rewriteForRoot(&arguments, root: root, sourceIndex: scanned.inputIndex)
          ?? scanned.output.name(in: vetted.arguments).map(Array.init)
          ?? Array(String(decoding: vetted.source, as: UTF8.self).utf8)
        if !arguments.contains(where: {
          $0.elementsEqual("-MD".utf8) || $0.elementsEqual("-MMD".utf8)
        }) {
          arguments.append(Array("-MMD".utf8))
        }
        arguments += [Array("-MF".utf8), Array(depsPath.utf8)]
        // The root mapped away in debug info and `__FILE__`: a pump object is byte-identical to the
        // client's own `gcc -c`, `-g` included (the compile runs in the mirrored working directory).
        arguments.append(Array("-ffile-prefix-map=\(root.path)=".utf8))
        arguments += PreparedJob.rootedPrefixMaps(arguments, root: root.path)
        dependencies = (depsPath, target, root.path)
      } else {
        let input = "input." + scanned.inputLanguage.preprocessedExtension
        try directory.write(input, request.source)
        arguments[scanned.inputIndex] = Array(directory.file(input).utf8)
        if request.extensions.contains(.rewrittenIncludes) {
          // clang's -frewrite-includes output (vetted: JobVetting.checkPartialPreprocessing), compiled
          // as source from standard input under the client's input name: macros are expanded here, and
          // the object's file symbol and debug names are the client's.
          standardInput = directory.file(input)
          arguments.replaceSubrange(
            scanned.inputIndex...scanned.inputIndex,
            with: PreparedJob.rewrittenInput(scanned.inputLanguage).map { Array($0.utf8) })
          arguments += ["-Xclang", "-main-file-name", "-Xclang"].map { Array($0.utf8) }
          arguments.append(vetted.source)
        }
        if request.extensions.contains(.directivesOnly) {
          // The client preprocessed directives only (vetted: JobVetting.checkPartialPreprocessing); macros
          // are expanded here.
          arguments += DirectivesOnly.compilerOptions.map { Array($0.utf8) }
        }
        workingDirectory = directory.path
        dependencies = nil
      }
    } catch let error as FakeRoot.Refusal {
      throw JobRefusal(reason: error.description, level: .error, code: .distccFailed)
    } catch {
      throw JobRefusal(reason: "\(error)", level: .error, code: .ioError)
    }
    self.arguments = arguments
  }

  /// What stands for the input of a rewritten-includes request: its language and standard input.
  static func rewrittenInput(_ language: SourceFile.Language) -> [String] {
    ["-x", language == .cPlusPlus ? "c++" : "c", "-"]
  }

  /// `arguments` with the output replaced by (or, without one, extended with) `-o path`. (A bare
  /// `NAME.o` never gets here: the vetting refuses it.)
  static func replacingOutput(
    _ arguments: [[UInt8]], at output: ScannedCommand.Output, with path: [UInt8]
  ) -> [[UInt8]] {
    var result = arguments
    switch output {
    case .separate(let index), .positional(let index): result[index] = path
    case .joined(let index): result[index] = Array("-o".utf8) + path
    case .missing: result += [Array("-o".utf8), path]
    }
    return result
  }

  static let rootedOptions = [
    "-I", "-include", "-imacros", "-idirafter", "-iprefix", "-iwithprefix", "-iwithprefixbefore",
    "-isystem", "-iquote",
  ]

  static let rootedOptionsLongestFirst = rootedOptions.sorted { $0.count > $1.count }

  /// Protocol 3 rewriting (protocol.md §7.2): removes the first `-MT X` pair (returning `X`), prefixes
  /// absolute include paths and the absolute source with the root.
  static func rewriteForRoot(_ arguments: inout [[UInt8]], root: FakeRoot, sourceIndex: Int)
    -> [UInt8]?
  {
    let slash = UInt8(ascii: "/")
    if arguments[sourceIndex].first == slash {
      arguments[sourceIndex] = root.localPath(arguments[sourceIndex])
    }
    var target: [UInt8]?
    var index = 1
    var result: [[UInt8]] = [arguments[0]]
    while index < arguments.count {
      let argument = arguments[index]
      if target == nil, argument.elementsEqual("-MT".utf8), index + 1 < arguments.count {
        target = arguments[index + 1]
        index += 2
        continue
      }
      result.append(argument)
      if rootedOptions.contains(where: { argument.elementsEqual($0.utf8) }) {
        if index + 1 < arguments.count {
          let value = arguments[index + 1]
          result.append(value.first == slash ? root.localPath(value) : value)
          index += 2
          continue
        }
      } else if let option = rootedOptionsLongestFirst.first(where: {
        argument.starts(with: $0.utf8) && argument.count > $0.utf8.count
      }), argument[option.utf8.count] == slash {
        result[result.count - 1] =
          Array(option.utf8) + root.localPath(Array(argument.dropFirst(option.utf8.count)))
      }
      index += 1
    }
    arguments = result
    return target
  }

  /// The client's own `-f{file,debug,macro}-prefix-map=OLD=NEW` with an absolute OLD, again with the root
  /// before OLD: gcc applies only the last matching map, and the paths it sees here are under the root.
  static func rootedPrefixMaps(_ arguments: [[UInt8]], root: String) -> [[UInt8]] {
    var rooted: [[UInt8]] = []
    for option in ["-ffile-prefix-map=", "-fdebug-prefix-map=", "-fmacro-prefix-map="] {
      for argument in arguments where argument.starts(with: option.utf8) {
        let value = argument.dropFirst(option.utf8.count)
        guard value.first == UInt8(ascii: "/"), value.contains(UInt8(ascii: "=")) else { continue }
        rooted.append(Array(option.utf8) + Array(root.utf8) + value)
      }
    }
    return rooted
  }

  /// The `DOTD` body (protocol.md §7.3): per line, the first temp object name becomes the target, then every
  /// occurrence of the root path is deleted; the rule is then wrapped as the client's gcc would wrap it.
  static func dependencyFile(_ contents: [UInt8], objectPath: String, target: [UInt8], root: String)
    -> [UInt8]
  {
    let object = Array(objectPath.utf8)
    let rootBytes = Array(root.utf8)
    var output: [UInt8] = []
    for line in contents.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
      var bytes = Array(line)
      if let range = firstRange(of: object, in: bytes) {
        bytes.replaceSubrange(range, with: target)
      }
      while let range = firstRange(of: rootBytes, in: bytes) { bytes.removeSubrange(range) }
      output += bytes + [UInt8(ascii: "\n")]
    }
    output.removeLast()
    return DependencyText.rewrapped(output)
  }

  /// Replaces every occurrence of the root path in an object with as many `/` (3.4 rewrites debug info so).
  static func scrubRoot(_ object: inout [UInt8], root: String) {
    let rootBytes = Array(root.utf8)
    var start = 0
    while let range = firstRange(of: rootBytes, in: object, from: start) {
      for index in range { object[index] = UInt8(ascii: "/") }
      start = range.upperBound
    }
  }

  static func firstRange(of needle: [UInt8], in haystack: [UInt8], from start: Int = 0) -> Range<
    Int
  >? {
    guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count
    else { return nil }
    var index = start
    while index <= haystack.count - needle.count {
      if haystack[index] == needle[0],
        haystack[index..<(index + needle.count)].elementsEqual(needle)
      {
        return index..<(index + needle.count)
      }
      index += 1
    }
    return nil
  }
}
