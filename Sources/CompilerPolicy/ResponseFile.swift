/// Splitting a response file (`@FILE`) into arguments exactly as gcc's libiberty (`buildargv`) does:
/// white space separates arguments; single and double quotes group; a backslash escapes the next byte,
/// inside quotes too.
enum ResponseFile {
  static func split(_ content: [UInt8]) -> [[UInt8]] {
    var arguments: [[UInt8]] = []
    var current: [UInt8] = []
    var inArgument = false
    var singleQuote = false
    var doubleQuote = false
    var backslash = false
    for byte in content {
      if isSpace(byte) && !singleQuote && !doubleQuote && !backslash {
        if inArgument { arguments.append(current) }
        current = []
        inArgument = false
        continue
      }
      inArgument = true
      if backslash {
        backslash = false
        current.append(byte)
      } else if byte == UInt8(ascii: "\\") {
        backslash = true
      } else if singleQuote {
        if byte == UInt8(ascii: "'") { singleQuote = false } else { current.append(byte) }
      } else if doubleQuote {
        if byte == UInt8(ascii: "\"") { doubleQuote = false } else { current.append(byte) }
      } else if byte == UInt8(ascii: "'") {
        singleQuote = true
      } else if byte == UInt8(ascii: "\"") {
        doubleQuote = true
      } else {
        current.append(byte)
      }
    }
    if inArgument { arguments.append(current) }
    return arguments
  }

  private static func isSpace(_ byte: UInt8) -> Bool {
    byte == 0x20 || (0x09...0x0d).contains(byte)
  }
}
