/// What include analysis needs from one source file: its `#include`-like directives, the header names
/// tested by `__has_include`, and its macro definitions, in file order. Conditionals are not evaluated:
/// every branch counts (an extra header costs bandwidth, a missing one a failed remote compile).
struct SourceDirectives: Sendable {
  /// An `#include`, `#include_next`, `#import` or `__has_include` operand.
  struct Include: Sendable, Hashable {
    enum Form: Sendable, Hashable {
      /// `"name"`
      case quoted(String)
      /// `<name>`
      case angled(String)
      /// Anything else: macro-expanded to one of the above.
      case computed([PreprocessorToken])
    }

    var form: Form
    /// `#include_next` or `__has_include_next`: the search continues after the includer's directory.
    var isNext: Bool
  }

  var includes: [Include] = []
  var definitions: [MacroDefinition] = []
  /// True if any include is computed (its macro state matters).
  var hasComputedInclude: Bool {
    includes.contains { if case .computed = $0.form { true } else { false } }
  }

  init() {}

  /// Scans a whole file.
  init(scanning bytes: [UInt8]) {
    bytes.withUnsafeBufferPointer { buffer in
      var lexer = LogicalLines(buffer)
      while let line = lexer.nextDirective() { record(line) }
    }
  }

  private mutating func record(_ line: [UInt8]) {
    var index = 0
    func skipSpace() {
      while index < line.count && (line[index] == 0x20 || line[index] == 0x09) { index += 1 }
    }
    skipSpace()
    let nameStart = index
    while index < line.count && PreprocessorToken.isIdentifierPart(line[index]) { index += 1 }
    let name = String(decoding: line[nameStart..<index], as: UTF8.self)
    switch name {
    case "include", "import", "include_next":
      skipSpace()
      if let operand = SourceDirectives.headerOperand(line[index...]) {
        includes.append(Include(form: operand, isNext: name == "include_next"))
      }
    case "define":
      if let definition = MacroDefinition(tokens: PreprocessorToken.tokenize(line[index...])) {
        definitions.append(definition)
      }
    case "if", "elif", "elifdef", "elifndef":
      recordHasInclude(PreprocessorToken.tokenize(line[index...]))
    default:
      break
    }
  }

  /// The operand of an include directive: a literal header name, else tokens to expand.
  static func headerOperand(_ text: ArraySlice<UInt8>) -> Include.Form? {
    guard let first = text.first else { return nil }
    let close: UInt8? =
      first == UInt8(ascii: "\"") ? first : first == UInt8(ascii: "<") ? UInt8(ascii: ">") : nil
    if let close {
      guard let end = text.dropFirst().firstIndex(of: close) else { return nil }
      let name = String(decoding: text[(text.startIndex + 1)..<end], as: UTF8.self)
      return first == close ? .quoted(name) : .angled(name)
    }
    let tokens = PreprocessorToken.tokenize(text)
    return tokens.isEmpty ? nil : .computed(tokens)
  }

  /// `__has_include(...)` and `__has_include_next(...)` operands of an `#if`/`#elif` line.
  private mutating func recordHasInclude(_ tokens: [PreprocessorToken]) {
    var index = 0
    while index < tokens.count {
      let name = tokens[index].text
      guard name == "__has_include" || name == "__has_include_next",
        index + 1 < tokens.count, tokens[index + 1].text == "("
      else {
        index += 1
        continue
      }
      var depth = 0
      var end = index + 1
      while end < tokens.count {
        if tokens[end].text == "(" { depth += 1 }
        if tokens[end].text == ")" {
          depth -= 1
          if depth == 0 { break }
        }
        end += 1
      }
      let operand = Array(tokens[(index + 2)..<min(end, tokens.count)])
      if let form = SourceDirectives.form(of: operand) {
        includes.append(Include(form: form, isNext: name == "__has_include_next"))
      }
      index = end + 1
    }
  }

  /// The header name a token sequence spells: one string literal, or `<` … `>`; else `.computed`.
  static func form(of tokens: [PreprocessorToken]) -> Include.Form? {
    guard let first = tokens.first else { return nil }
    if first.kind == .stringLiteral, first.text.hasPrefix("\""), first.text.count >= 2,
      first.text.hasSuffix("\"")
    {
      return .quoted(String(first.text.dropFirst().dropLast()))
    }
    if first.text == "<", let close = tokens.firstIndex(where: { $0.text == ">" }) {
      var name = ""
      for (offset, token) in tokens[1..<close].enumerated() {
        if offset > 0 && token.spaceBefore { name += " " }
        name += token.text
      }
      return .angled(name)
    }
    return .computed(tokens)
  }
}

/// Splits a file into logical lines (backslash-newline joined, comments replaced by one space) and yields
/// the text after `#` of each directive line.
struct LogicalLines {
  private let bytes: UnsafeBufferPointer<UInt8>
  private var index = 0
  private var inBlockComment = false

  init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

  /// The next directive line's text after its `#`, or `nil` at the end of the file.
  mutating func nextDirective() -> [UInt8]? {
    while index < bytes.count {
      let line = nextLine()
      var start = 0
      while start < line.count
        && (line[start] == 0x20 || line[start] == 0x09 || line[start] == 0x0c)
      {
        start += 1
      }
      if start < line.count && line[start] == UInt8(ascii: "#") {
        return Array(line[(start + 1)...])
      }
      if start + 1 < line.count && line[start] == UInt8(ascii: "%")
        && line[start + 1] == UInt8(ascii: ":")
      {
        return Array(line[(start + 2)...])
      }
    }
    return nil
  }

  /// The byte at `offset` after splicing away backslash-newlines; advances `position` past it.
  private func peek(_ position: Int) -> (byte: UInt8, next: Int)? {
    var position = position
    while position < bytes.count && bytes[position] == UInt8(ascii: "\\") {
      var after = position + 1
      if after < bytes.count && bytes[after] == 0x0d { after += 1 }
      guard after < bytes.count && bytes[after] == 0x0a else { break }
      position = after + 1
    }
    guard position < bytes.count else { return nil }
    return (bytes[position], position + 1)
  }

  /// One logical line, comments removed; only directive lines are kept whole (others are scanned for
  /// comment and literal state only, and come back empty).
  private mutating func nextLine() -> [UInt8] {
    var output: [UInt8] = []
    var sawNonSpace = false
    var isDirective = false
    var literal: UInt8? = nil
    while let (byte, next) = peek(index) {
      if inBlockComment {
        index = next
        if byte == UInt8(ascii: "*"), let (after, end) = peek(next), after == UInt8(ascii: "/") {
          index = end
          inBlockComment = false
          if isDirective { output.append(0x20) }
        } else if byte == 0x0a {
          return output
        }
        continue
      }
      if byte == 0x0a {
        index = next
        return output
      }
      if let quote = literal {
        index = next
        if isDirective { output.append(byte) }
        if byte == UInt8(ascii: "\\"), let (escaped, end) = peek(next), escaped != 0x0a {
          if isDirective { output.append(escaped) }
          index = end
        } else if byte == quote {
          literal = nil
        }
        continue
      }
      if byte == UInt8(ascii: "/"), let (after, end) = peek(next) {
        if after == UInt8(ascii: "*") {
          inBlockComment = true
          index = end
          continue
        }
        if after == UInt8(ascii: "/") {
          // A line comment runs to the end of the logical line.
          index = end
          while let (skipped, following) = peek(index), skipped != 0x0a { index = following }
          continue
        }
      }
      if !sawNonSpace && byte != 0x20 && byte != 0x09 && byte != 0x0c {
        sawNonSpace = true
        isDirective = byte == UInt8(ascii: "#") || byte == UInt8(ascii: "%")
      }
      // Quotes start literals, except a header name's (`#include "a\b.h"` is taken verbatim).
      if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
        literal = byte
        if isDirective && SourceDirectives.isIncludeLine(output) {
          // Header name: no escapes; runs to the closing quote on this line.
          output.append(byte)
          index = next
          while let (inner, end) = peek(index), inner != 0x0a {
            output.append(inner)
            index = end
            if inner == byte { break }
          }
          literal = nil
          continue
        }
      }
      index = next
      if isDirective { output.append(byte) }
    }
    return output
  }
}

extension SourceDirectives {
  /// Whether a directive line so far reads `#` `include`/`include_next`/`import` (and spaces).
  static func isIncludeLine(_ text: [UInt8]) -> Bool {
    var body = text.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0c }
    if body.first == UInt8(ascii: "#") {
      body = body.dropFirst()
    } else if body.starts(with: [UInt8(ascii: "%"), UInt8(ascii: ":")]) {
      body = body.dropFirst(2)
    } else {
      return false
    }
    let words = String(decoding: body, as: UTF8.self).split(whereSeparator: {
      $0 == " " || $0 == "\t"
    })
    guard let word = words.first, words.count == 1 else { return false }
    return word == "include" || word == "include_next" || word == "import"
  }
}
