extension StringProtocol {
  /// Whether `needle` occurs in the string, compared as UTF-8 bytes. On the client's start-up path this
  /// replaces `contains(_:)`, whose `_StringProcessing` searcher builds a `[Character: Int]` table and
  /// instantiates its generic metadata (about 170,000 instructions for one call).
  func containsBytes(_ needle: String) -> Bool { utf8Offset(of: needle) != nil }

  /// The UTF-8 offset of the first occurrence of `needle`, compared as bytes; `nil` if there is none.
  func utf8Offset(of needle: String) -> Int? {
    var haystack = String(self)
    var needle = needle
    return haystack.withUTF8 { text in
      needle.withUTF8 { pattern -> Int? in
        guard pattern.count <= text.count else { return nil }
        if pattern.isEmpty { return 0 }
        for start in 0...(text.count - pattern.count)
        where text[start] == pattern[0]
          && text[start..<start + pattern.count].elementsEqual(pattern)
        {
          return start
        }
        return nil
      }
    }
  }
}
