import DistPosix

/// A check between request validation and spawning the compiler. It may rewrite `argv[0]`
/// (`DISTCC_CMDLIST` mapping) or refuse the job with a one-line reason.
///
/// The default is ``CompilerWhitelist``; a stricter argument policy can be chained in front of it.
protocol CompilerPolicy: Sendable {
  func check(_ arguments: [[UInt8]]) -> PolicyDecision
}

enum PolicyDecision: Sendable, Equatable {
  case allow([[UInt8]])
  /// Refuse: `reason` is logged at `level` and sent in `SERR`.
  case refuse(reason: String, level: ServerLogger.Level)
}

/// 3.4's compiler whitelist (daemon.md §6, §5.2 step 7): `-fplugin=`/`-specs=` refused, then
/// `DISTCC_CMDLIST` mapping, else the masquerade-directory rule; `--enable-tcp-insecure` skips the name checks.
struct CompilerWhitelist: CompilerPolicy {
  var insecure: Bool
  var commandList: String?
  var commandListWords: Int
  var masqueradeDirectories: [String]

  init(configuration: ServerConfiguration) {
    insecure = configuration.insecureCompilers
    commandList = configuration.commandList
    commandListWords = configuration.commandListWords
    masqueradeDirectories = configuration.masqueradeDirectories
  }

  func check(_ arguments: [[UInt8]]) -> PolicyDecision {
    if arguments.contains(where: {
      CompileCommand.has($0, prefix: "-fplugin=") || CompileCommand.has($0, prefix: "-specs=")
    }) {
      return .refuse(
        reason: "-fplugin= and/or -specs= passed, which are insecure and not supported.",
        level: .warning)
    }
    let name = String(decoding: arguments[0], as: UTF8.self)
    if let commandList {
      let contents: [UInt8]
      do throws(PosixError) { contents = try FileContents.read(commandList, limit: 1 << 20) } catch
      {
        return .refuse(
          reason:
            "stringmap_load(\(commandList), \(commandListWords)) failed: \(error.errno?.message ?? error.description)",
          level: .error)
      }
      guard let mapped = CompilerWhitelist.lookup(name, in: contents, words: commandListWords)
      else {
        return .refuse(reason: "lookup of \(name) in DISTCC_CMDLIST failed", level: .warning)
      }
      var result = arguments
      result[0] = Array(mapped.utf8)
      return .allow(result)
    }
    if insecure { return .allow(arguments) }
    var checked = Substring(name)
    for prefix in ["/usr/bin/", "/bin/"] where checked.lowercased().hasPrefix(prefix) {
      checked = checked.dropFirst(prefix.count)
      break
    }
    if checked.contains("/") || checked.isEmpty {
      return .refuse(
        reason:
          "compiler name \(name) cannot be an absolute path (or must set DISTCC_CMDLIST or pass --enable-tcp-insecure)",
        level: .critical)
    }
    if checked == "." || checked == ".."
      || !masqueradeDirectories.contains(where: { Paths.isAccessible("\($0)/\(checked)", .execute) }
      )
    {
      let dirs = masqueradeDirectories.joined(separator: " or ")
      return .refuse(reason: "\(checked) not in \(dirs) whitelist.", level: .critical)
    }
    return .allow(arguments)
  }

  /// The line of a `DISTCC_CMDLIST` file whose last `words` `/`-separated components equal `name`'s.
  static func lookup(_ name: String, in contents: [UInt8], words: Int) -> String? {
    let wanted = key(Array(name.utf8)[...], words: words)
    // Split bytes, not Characters: "\r\n" is one Character in Swift.
    for line in contents.split(separator: UInt8(ascii: "\n")) {
      let bytes = line.last == UInt8(ascii: "\r") ? line.dropLast() : line
      if bytes.isEmpty { continue }
      // Compared as bytes; a line that is not ASCII as decoded text, whose invalid bytes read as U+FFFD.
      let entry =
        bytes.allSatisfy { $0 < 0x80 }
        ? bytes : Array(String(decoding: bytes, as: UTF8.self).utf8)[...]
      if key(entry, words: words).elementsEqual(wanted) {
        return String(decoding: entry, as: UTF8.self)
      }
    }
    return nil
  }

  /// The last `words` `/`-separated components of `path`, separators included (all of it if it has
  /// fewer): two keys are equal exactly when their component lists are.
  static func key(_ path: ArraySlice<UInt8>, words: Int) -> ArraySlice<UInt8> {
    guard words > 0 else { return path[path.endIndex...] }
    var slashes = 0
    var index = path.endIndex
    while index > path.startIndex {
      index -= 1
      if path[index] == UInt8(ascii: "/") {
        slashes += 1
        if slashes == words { return path[(index + 1)...] }
      }
    }
    return path
  }
}
