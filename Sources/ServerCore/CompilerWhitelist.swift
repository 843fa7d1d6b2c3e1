import DistPosix

/// 3.4's compiler whitelist (daemon.md §6, §5.2 step 7), the vetting's third stage (``JobVetting``):
/// `DISTCC_CMDLIST` mapping, else the masquerade-directory rule; `--enable-tcp-insecure` skips the name
/// check. (3.4 also refuses `-fplugin=` and `-specs=` here; the argument policy, the first stage, has
/// refused both in every spelling before a command gets this far.)
struct CompilerWhitelist: Sendable {
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

  /// Checks `arguments[0]`; returns the vector to run (`argv[0]` replaced by its `DISTCC_CMDLIST` line).
  /// - Throws: the refusal, with 3.4's text and level.
  func check(_ arguments: [[UInt8]]) throws(JobRefusal) -> [[UInt8]] {
    func refuse(_ reason: String, _ level: ServerLogger.Level) -> JobRefusal {
      JobRefusal(reason: reason, level: level, code: .distccFailed)
    }
    let name = String(decoding: arguments[0], as: UTF8.self)
    if let commandList {
      let contents: [UInt8]
      do throws(PosixError) { contents = try FileContents.read(commandList, limit: 1 << 20) } catch {
        throw refuse(
          "stringmap_load(\(commandList), \(commandListWords)) failed: \(error.errno?.message ?? error.description)",
          .error)
      }
      guard let mapped = CompilerWhitelist.lookup(name, in: contents, words: commandListWords)
      else {
        throw refuse("lookup of \(name) in DISTCC_CMDLIST failed", .warning)
      }
      var result = arguments
      result[0] = Array(mapped.utf8)
      return result
    }
    if insecure { return arguments }
    var checked = Substring(name)
    for prefix in ["/usr/bin/", "/bin/"] where checked.lowercased().hasPrefix(prefix) {
      checked = checked.dropFirst(prefix.count)
      break
    }
    if checked.contains("/") || checked.isEmpty {
      throw refuse(
        "compiler name \(name) cannot be an absolute path (or must set DISTCC_CMDLIST or pass --enable-tcp-insecure)",
        .critical)
    }
    if checked == "." || checked == ".."
      || !masqueradeDirectories.contains(where: { Paths.isAccessible("\($0)/\(checked)", .execute) }
      )
    {
      let dirs = masqueradeDirectories.joined(separator: " or ")
      throw refuse("\(checked) not in \(dirs) whitelist.", .critical)
    }
    return arguments
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
