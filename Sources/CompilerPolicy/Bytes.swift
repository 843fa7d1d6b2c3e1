/// Byte-level helpers. Options are compared as bytes, never as `String`s: Unicode comparison would treat
/// `-B` followed by a combining mark as something other than `-B`, while the compiler driver sees `-B`.
extension Array where Element == UInt8 {
  /// Whether `needle` occurs anywhere in these bytes.
  func contains(subsequence needle: String) -> Bool {
    let pattern = Array(needle.utf8)
    guard !pattern.isEmpty, pattern.count <= count else { return pattern.isEmpty }
    for start in 0...(count - pattern.count)
    where self[start..<start + pattern.count].elementsEqual(pattern) {
      return true
    }
    return false
  }

  /// A printable rendering for one-line messages: non-printable bytes escaped, at most `limit` bytes.
  func printable(limit: Int = 80) -> String {
    var text = ""
    for byte in prefix(limit) {
      if byte >= 0x20 && byte < 0x7f && byte != UInt8(ascii: "\\") {
        text.unicodeScalars.append(Unicode.Scalar(byte))
      } else {
        text += "\\x" + String(byte, radix: 16).leftPadded(to: 2)
      }
    }
    return count > limit ? text + "..." : text
  }

  /// The path's components split at `/`.
  var pathComponents: [ArraySlice<UInt8>] { split(separator: UInt8(ascii: "/")) }
}

extension String {
  fileprivate func leftPadded(to width: Int) -> String {
    String(repeating: "0", count: Swift.max(0, width - count)) + self
  }
}
