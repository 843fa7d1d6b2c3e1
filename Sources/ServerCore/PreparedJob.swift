import DistProtocol

/// A validated request turned into a command to run in a job directory.
struct PreparedJob {
  var command: CompileCommand
  /// The argument vector to run (output and, for protocol 1/2, input replaced by temp files).
  var arguments: [[UInt8]]
  var workingDirectory: String
  var objectPath: String
  /// Protocol 3: the dependency file the compiler writes, the `-MT` target and the root to strip.
  var dependencies: (path: String, target: [UInt8], root: String)?

  /// Why a request is refused before anything runs.
  struct Refusal: Error {
    var reason: String
    var level: ServerLogger.Level
    var code: Int
  }

  /// Scans, validates and materialises `request` in `directory`.
  init(_ request: Request, in directory: JobDirectory) throws(Refusal) {
    let command: CompileCommand
    do { command = try CompileCommand(scanning: request.arguments) } catch {
      throw Refusal(
        reason: error.description, level: error.code == 120 ? .error : .info, code: error.code)
    }
    self.command = command
    objectPath = directory.file("output.o")
    var arguments = command.replacingOutput(with: Array(objectPath.utf8))
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
          PreparedJob.rewriteForRoot(&arguments, root: root, sourceIndex: command.sourceIndex)
          ?? command.outputName ?? Array(command.sourceText.utf8)
        if !arguments.contains(where: {
          CompileCommand.equals($0, "-MD") || CompileCommand.equals($0, "-MMD")
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
        let kind = SourceKind(fileName: command.source) ?? .c
        let input = "input" + kind.preprocessedExtension
        try directory.write(input, request.source)
        arguments[command.sourceIndex] = Array(directory.file(input).utf8)
        workingDirectory = directory.path
        dependencies = nil
      }
    } catch let error as FakeRoot.Refusal {
      throw Refusal(reason: error.description, level: .error, code: 100)
    } catch {
      throw Refusal(reason: "\(error)", level: .error, code: 107)
    }
    self.arguments = arguments
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
      if target == nil, CompileCommand.equals(argument, "-MT"), index + 1 < arguments.count {
        target = arguments[index + 1]
        index += 2
        continue
      }
      result.append(argument)
      if rootedOptions.contains(where: { CompileCommand.equals(argument, $0) }) {
        if index + 1 < arguments.count {
          let value = arguments[index + 1]
          result.append(value.first == slash ? root.localPath(value) : value)
          index += 2
          continue
        }
      } else if let option = rootedOptionsLongestFirst.first(where: {
        CompileCommand.has(argument, prefix: $0) && argument.count > $0.utf8.count
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
      for argument in arguments where CompileCommand.has(argument, prefix: option) {
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
