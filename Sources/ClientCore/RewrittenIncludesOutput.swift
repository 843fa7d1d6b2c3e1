import DistPosix

/// The check of clang's `-frewrite-includes` output for what the daemon would not compile as a local
/// compile does (Docs/distcc.md "Directives-only preprocessing"); such a job is preprocessed again, fully.
/// (A rewrite run that wrote anything to standard error is not sent either: the daemon would repeat its
/// warnings, or miss those of the `#if`s the client evaluated.)
///
/// - `__DATE__`, `__TIME__`, `__TIMESTAMP__` would be expanded by the daemon: its clock, its temporary
///   file's time.
/// - `__BASE_FILE__` would name the daemon's standard input.
/// - `unused-macros`, `-Weverything` switched on by a pragma: a macro used only in an `#if` would be
///   reported unused by the daemon.
/// - `_Pragma("once")`: not commented out by the rewrite, so the daemon warns `#pragma once in main file`.
/// - `__COUNTER__` read by the client: clang evaluates every `#if` (and computed `#include`) on the client
///   and the daemon sees only the result, so a counter read there would count differently
///   (``counterReason(in:)``).
enum RewrittenIncludesOutput {
  static let inexactWords = [
    "__DATE__", "__TIME__", "__TIMESTAMP__", "__BASE_FILE__", "unused-macros", "-Weverything",
    "\"once\"",
  ]

  /// Why `output` cannot be compiled exactly on the daemon, or `nil`.
  static func inexactReason(in output: UnsafeRawBufferPointer) -> String? {
    for word in inexactWords where occurrence(of: Array(word.utf8), in: output, from: 0) != nil {
      return "the source uses \(word)"
    }
    return counterReason(in: output)
  }

  /// The most macros followed from `__COUNTER__` before giving up (and falling back).
  static let counterMacroLimit = 64

  /// Whether `__COUNTER__` can be read in a directive the client evaluated: directly, or through a macro
  /// whose definition reaches it (followed through every `#define` that names one, up to
  /// ``counterMacroLimit`` macros). A mention in code, in `#ifdef`/`#ifndef` or in a comment is harmless.
  static func counterReason(in text: UnsafeRawBufferPointer) -> String? {
    var pending: [[UInt8]] = [Array("__COUNTER__".utf8)]
    var seen: Set<[UInt8]> = Set(pending)
    while let name = pending.popLast() {
      var offset = 0
      while let hit = word(name, in: text, from: offset) {
        offset = hit + name.count
        let start = logicalLineStart(text, before: hit)
        switch directive(text, at: start) {
        case ("if", _)?, ("elif", _)?, ("include", _)?, ("include_next", _)?:
          let shown = String(decoding: name, as: UTF8.self)
          return "__COUNTER__ can be read in a directive the client evaluates (through \(shown))"
        case ("define", let defined?)?:
          if seen.insert(defined).inserted {
            guard seen.count <= counterMacroLimit else {
              return "too many macros reach __COUNTER__ to check"
            }
            pending.append(defined)
          }
        default: break
        }
      }
    }
    return nil
  }

  /// The offset of `needle` in `text` at or after `from`.
  private static func occurrence(of needle: [UInt8], in text: UnsafeRawBufferPointer, from: Int)
    -> Int?
  {
    needle.withUnsafeBytes { ByteSearch.first($0, in: text, from: from) }
  }

  /// The next occurrence of `name` in `text` that is a whole identifier.
  private static func word(_ name: [UInt8], in text: UnsafeRawBufferPointer, from: Int) -> Int? {
    var offset = from
    while let hit = occurrence(of: name, in: text, from: offset) {
      let end = hit + name.count
      if (hit == 0 || !isIdentifier(text[hit - 1]))
        && (end == text.count || !isIdentifier(text[end]))
      {
        return hit
      }
      offset = hit + 1
    }
    return nil
  }

  /// The start of the logical line (continued lines joined) that holds `offset`.
  private static func logicalLineStart(_ text: UnsafeRawBufferPointer, before offset: Int) -> Int {
    var start = offset
    while start > 0 && text[start - 1] != UInt8(ascii: "\n") { start -= 1 }
    while start >= 2 && text[start - 2] == UInt8(ascii: "\\") {
      start -= 1
      while start > 0 && text[start - 1] != UInt8(ascii: "\n") { start -= 1 }
    }
    return start
  }

  /// The directive at the line starting at `start` (`# if`, `#define NAME`): its word, and for `define`
  /// the macro's name; `nil` for a line that is not a directive.
  private static func directive(_ text: UnsafeRawBufferPointer, at start: Int) -> (
    String, [UInt8]?
  )? {
    var index = skipBlanks(text, from: start)
    guard index < text.count, text[index] == UInt8(ascii: "#") else { return nil }
    index = skipBlanks(text, from: index + 1)
    let keyword = identifier(text, from: index)
    guard keyword == Array("define".utf8) else {
      return (String(decoding: keyword, as: UTF8.self), nil)
    }
    let name = identifier(text, from: skipBlanks(text, from: index + keyword.count))
    return ("define", name.isEmpty ? nil : name)
  }

  private static func skipBlanks(_ text: UnsafeRawBufferPointer, from start: Int) -> Int {
    var index = start
    while index < text.count
      && (text[index] == UInt8(ascii: " ") || text[index] == UInt8(ascii: "\t"))
    {
      index += 1
    }
    return index
  }

  private static func identifier(_ text: UnsafeRawBufferPointer, from start: Int) -> [UInt8] {
    var end = start
    while end < text.count && isIdentifier(text[end]) { end += 1 }
    return Array(text[start..<end])
  }

  private static func isIdentifier(_ byte: UInt8) -> Bool {
    byte == UInt8(ascii: "_")
      || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z"))
      || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
  }
}
