import DistPosix

/// The check of a directives-only preprocessor's output for what gcc 12 does not reproduce on the server
/// (Docs/distcc.md "Directives-only preprocessing"); such a job is preprocessed again, fully.
///
/// - `__DATE__`, `__TIME__`, `__TIMESTAMP__` would be expanded by the daemon: its clock, its
///   `SOURCE_DATE_EPOCH`, its temporary file's time.
/// - `__BASE_FILE__` would name the daemon's temporary input.
/// - A pragma the preprocessor consumed leaves a line of seven spaces. After `#pragma GCC system_header`
///   a line marker with flag 3 follows, which is exact; every other consumed pragma is not
///   (`push_macro`/`pop_macro`: the restored definition is not written out; `poison`: the daemon does not
///   enforce it; `GCC warning`/`message`: wrong line or lost; `once`: not verified).
enum DirectivesOnlyOutput {
  /// Words whose expansion on the daemon differs.
  static let serverDependentWords = ["__DATE__", "__TIME", "__BASE_FILE__"]

  /// Why `output` cannot be compiled exactly on the daemon, or `nil`.
  static func inexactReason(in output: [UInt8]) -> String? {
    output.withUnsafeBytes { inexactReason(in: $0) }
  }

  static func inexactReason(in output: UnsafeRawBufferPointer) -> String? {
    guard let base = output.baseAddress else { return nil }
    for word in serverDependentWords where find(word, in: output, from: 0) != nil {
      return "the source uses \(word == "__TIME" ? "__TIME__ or __TIMESTAMP__" : word)"
    }
    let consumed = "\n       \n"
    var offset = 0
    while let found = find(consumed, in: output, from: offset) {
      let next = found + consumed.utf8.count
      if !isSystemHeaderMarker(
        UnsafeRawBufferPointer(start: base + next, count: output.count - next))
      {
        return "the preprocessor consumed a pragma other than GCC system_header"
      }
      offset = next - 1
    }
    return nil
  }

  /// Whether `text` starts with a line marker `# N "file" … 3 …`.
  private static func isSystemHeaderMarker(_ text: UnsafeRawBufferPointer) -> Bool {
    guard text.count > 2, text[0] == UInt8(ascii: "#"), text[1] == UInt8(ascii: " ") else {
      return false
    }
    var end = 0
    while end < text.count && text[end] != UInt8(ascii: "\n") { end += 1 }
    guard let quote = text[..<end].lastIndex(of: UInt8(ascii: "\"")) else { return false }
    return text[(quote + 1)..<end].split(separator: UInt8(ascii: " ")).contains {
      $0.elementsEqual([UInt8(ascii: "3")])
    }
  }

  /// The offset of the first `needle` in `haystack` at or after `from`.
  private static func find(_ needle: String, in haystack: UnsafeRawBufferPointer, from: Int) -> Int?
  {
    var needle = needle
    return needle.withUTF8 {
      ByteSearch.first(UnsafeRawBufferPointer($0), in: haystack, from: from)
    }
  }
}
