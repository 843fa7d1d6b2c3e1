/// One preprocessing token of a directive line, as far as include analysis needs: its spelling, its kind,
/// whether white space came before it (stringizing keeps that as one space), and the macros that may not
/// expand it again (its hide set, as in Prosser's algorithm).
struct PreprocessorToken: Sendable, Hashable {
  enum Kind: Sendable, Hashable {
    case identifier, number, stringLiteral, characterLiteral, punctuator, other
  }

  var text: String
  var kind: Kind
  var spaceBefore: Bool
  var hideSet: Set<String> = []

  /// Splits one logical directive line (comments already removed) into tokens.
  static func tokenize(_ bytes: ArraySlice<UInt8>) -> [PreprocessorToken] {
    var tokens: [PreprocessorToken] = []
    var index = bytes.startIndex
    var space = false
    func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
    while index < bytes.endIndex {
      let byte = bytes[index]
      if byte == 0x20 || byte == 0x09 || byte == 0x0b || byte == 0x0c || byte == 0x0d {
        space = true
        index += 1
        continue
      }
      let start = index
      var kind = Kind.punctuator
      if isIdentifierStart(byte) {
        while index < bytes.endIndex && isIdentifierPart(bytes[index]) { index += 1 }
        // Encoding prefixes and raw strings are literals, not identifiers.
        if index < bytes.endIndex
          && (bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'")),
          ["L", "u", "U", "u8", "R", "LR", "uR", "UR", "u8R"].contains(text(start..<index))
        {
          let quote = bytes[index]
          index = skipLiteral(bytes, from: index, quote: quote)
          kind = quote == UInt8(ascii: "\"") ? .stringLiteral : .characterLiteral
        } else {
          kind = .identifier
        }
      } else if isDigit(byte)
        || (byte == UInt8(ascii: ".") && index + 1 < bytes.endIndex && isDigit(bytes[index + 1]))
      {
        index += 1
        while index < bytes.endIndex {
          let next = bytes[index]
          if next == UInt8(ascii: "+") || next == UInt8(ascii: "-"),
            [UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "p"), UInt8(ascii: "P")].contains(
              bytes[index - 1])
          {
            index += 1
          } else if isIdentifierPart(next) || next == UInt8(ascii: ".") {
            index += 1
          } else {
            break
          }
        }
        kind = .number
      } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
        index = skipLiteral(bytes, from: index, quote: byte)
        kind = byte == UInt8(ascii: "\"") ? .stringLiteral : .characterLiteral
      } else if byte == UInt8(ascii: "#") {
        index += 1
        if index < bytes.endIndex && bytes[index] == UInt8(ascii: "#") { index += 1 }
      } else if byte < 0x80 && byte != UInt8(ascii: "\\") && byte != UInt8(ascii: "@")
        && byte != UInt8(ascii: "$") && byte != UInt8(ascii: "`")
      {
        index += 1
      } else {
        index += 1
        kind = .other
      }
      tokens.append(PreprocessorToken(text: text(start..<index), kind: kind, spaceBefore: space))
      space = false
    }
    return tokens
  }

  /// The index just past a string or character literal starting at `start` (escapes honoured; an
  /// unterminated literal runs to the end of the line).
  static func skipLiteral(_ bytes: ArraySlice<UInt8>, from start: Int, quote: UInt8) -> Int {
    var index = start + 1
    while index < bytes.endIndex {
      if bytes[index] == UInt8(ascii: "\\") {
        index += 2
        continue
      }
      if bytes[index] == quote { return index + 1 }
      index += 1
    }
    return bytes.endIndex
  }

  static func isIdentifierStart(_ byte: UInt8) -> Bool {
    (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x41 && byte <= 0x5a) || byte == 0x5f || byte >= 0x80
  }

  static func isIdentifierPart(_ byte: UInt8) -> Bool { isIdentifierStart(byte) || isDigit(byte) }

  static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
}
