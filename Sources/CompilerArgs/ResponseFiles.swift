/// `@file` response-file expansion, as GNU libiberty's `expandargv` (used by Debian's distcc, client.md §3.2).
public enum ResponseFiles {
  /// Replaces every argument `@FILE` whose file `read` can return with the words of that file; an unreadable
  /// file leaves the argument unchanged. Expanded words are expanded again (nested response files), up to
  /// `maximumExpansions` files in total.
  /// - Parameters:
  ///   - arguments: the command line; index 0 (the program) is never expanded.
  ///   - read: returns a file's bytes, or `nil` when it cannot be read.
  public static func expand(
    _ arguments: [String], maximumExpansions: Int = 2000, read: (String) -> [UInt8]?
  ) -> [String] {
    guard arguments.dropFirst().contains(where: { $0.hasPrefix("@") }) else { return arguments }
    var result = arguments
    var index = 1
    var expansions = 0
    while index < result.count {
      let argument = result[index]
      guard argument.hasPrefix("@"), expansions < maximumExpansions,
        let bytes = read(String(argument.dropFirst()))
      else {
        index += 1
        continue
      }
      expansions += 1
      result.replaceSubrange(
        index...index, with: words(in: bytes).map { String(decoding: $0, as: UTF8.self) })
    }
    return result
  }

  /// Splits response-file text into words as libiberty's `buildargv`: white space separates words; single
  /// and double quotes group; a backslash takes the next byte literally, even inside quotes. The one
  /// response-file reader: the client expands its own command line with it, the daemon's argument policy
  /// the response files a request uploads.
  public static func words(in bytes: [UInt8]) -> [[UInt8]] {
    var words: [[UInt8]] = []
    var current: [UInt8] = []
    var inWord = false
    var singleQuoted = false
    var doubleQuoted = false
    var escaped = false
    for byte in bytes {
      if escaped {
        current.append(byte)
        escaped = false
        continue
      }
      if byte == UInt8(ascii: "\\") {
        escaped = true
        inWord = true
        continue
      }
      if singleQuoted {
        if byte == UInt8(ascii: "'") { singleQuoted = false } else { current.append(byte) }
        continue
      }
      if doubleQuoted {
        if byte == UInt8(ascii: "\"") { doubleQuoted = false } else { current.append(byte) }
        continue
      }
      switch byte {
      case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"), 0x0B,
        0x0C:
        if inWord {
          words.append(current)
          current.removeAll(keepingCapacity: true)
          inWord = false
        }
      case UInt8(ascii: "'"):
        singleQuoted = true
        inWord = true
      case UInt8(ascii: "\""):
        doubleQuoted = true
        inWord = true
      default:
        current.append(byte)
        inWord = true
      }
    }
    if inWord { words.append(current) }
    return words
  }
}
