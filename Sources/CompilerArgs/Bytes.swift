/// Byte comparisons for the scanner: arguments are compared as bytes, as 3.4's `strcmp`/`str_startswith` do
/// (a `String` comparison would apply Unicode equivalence the compiler driver does not).
extension Array where Element == UInt8 {
  func equals(_ text: String) -> Bool { elementsEqual(text.utf8) }
  func hasPrefix(_ text: String) -> Bool { starts(with: text.utf8) }
  func hasSuffix(_ text: String) -> Bool {
    let suffix = text.utf8
    return count >= suffix.count && self[(count - suffix.count)...].elementsEqual(suffix)
  }
  /// Whether `text` occurs anywhere in these bytes.
  func contains(_ text: String) -> Bool {
    let pattern = Array(text.utf8)
    guard pattern.count <= count else { return false }
    for start in 0...(count - pattern.count)
    where self[start..<start + pattern.count].elementsEqual(pattern) {
      return true
    }
    return false
  }
  /// The bytes as text for messages (invalid UTF-8 shown as U+FFFD).
  var text: String { String(decoding: self, as: UTF8.self) }
}
