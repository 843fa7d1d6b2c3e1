import Glibc

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
      guard let contents = Syscalls.readFile(commandList, limit: 1 << 20) else {
        return .refuse(
          reason:
            "stringmap_load(\(commandList), \(commandListWords)) failed: \(Syscalls.errnoText())",
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
      || !masqueradeDirectories.contains(where: { access("\($0)/\(checked)", X_OK) == 0 })
    {
      let dirs = masqueradeDirectories.joined(separator: " or ")
      return .refuse(reason: "\(checked) not in \(dirs) whitelist.", level: .critical)
    }
    return .allow(arguments)
  }

  /// The line of a `DISTCC_CMDLIST` file whose last `words` `/`-separated components equal `name`'s.
  static func lookup(_ name: String, in contents: [UInt8], words: Int) -> String? {
    func key(_ path: Substring) -> [Substring] {
      Array(path.split(separator: "/", omittingEmptySubsequences: false).suffix(words))
    }
    let wanted = key(Substring(name))
    // Split bytes, not Characters: "\r\n" is one Character in Swift.
    for line in contents.split(separator: UInt8(ascii: "\n")) {
      let bytes = line.last == UInt8(ascii: "\r") ? line.dropLast() : line
      let entry = Substring(String(decoding: bytes, as: UTF8.self))
      if !entry.isEmpty, key(entry) == wanted { return String(entry) }
    }
    return nil
  }
}
