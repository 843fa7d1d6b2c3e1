/// Byte comparisons for the scanner: arguments are compared as bytes, as 3.4's `strcmp`/`str_startswith` do
/// (a `String` comparison would apply Unicode equivalence the compiler driver does not). The patterns are
/// static ASCII strings, compared in place without building an array.
extension Array where Element == UInt8 {
  func equals(_ text: StaticString) -> Bool {
    count == text.utf8CodeUnitCount && hasPrefix(text)
  }

  func hasPrefix(_ text: StaticString) -> Bool {
    matches(text, at: 0)
  }

  func hasSuffix(_ text: StaticString) -> Bool {
    count >= text.utf8CodeUnitCount && matches(text, at: count - text.utf8CodeUnitCount)
  }

  /// Whether `text` occurs anywhere in these bytes.
  func contains(_ text: StaticString) -> Bool {
    let length = text.utf8CodeUnitCount
    guard length <= count else { return false }
    for start in 0...(count - length) where matches(text, at: start) { return true }
    return false
  }

  /// Whether the bytes from `start` on begin with `text`.
  private func matches(_ text: StaticString, at start: Int) -> Bool {
    let length = text.utf8CodeUnitCount
    guard start + length <= count else { return false }
    let pattern = text.utf8Start
    for offset in 0..<length where self[start + offset] != pattern[offset] { return false }
    return true
  }

  /// The bytes as text for messages (invalid UTF-8 shown as U+FFFD).
  var text: String { String(decoding: self, as: UTF8.self) }
}
