/// A make rule as gcc writes it (`libcpp/mkdeps.cc`): names separated by one space, a ` \` line break
/// before a name that would pass column 72, continuation lines starting with a space.
///
/// The server's compiler wrapped its rule around names under the job root; once the root is removed the
/// rule is wrapped again, so that the client's dependency file is the one its own gcc writes.
enum DependencyText {
  static let maxColumn = 72

  /// `text` with its first rule (`targets: prerequisites`) re-wrapped; other lines (the `-MP` phony
  /// targets) unchanged.
  static func rewrapped(_ text: [UInt8]) -> [UInt8] {
    let lines = joinedContinuations(text)
    guard let first = lines.first, let colon = ruleColon(first) else { return text }
    var output: [UInt8] = []
    var column = 0
    for name in names(first[..<colon]) { column = write(name, to: &output, column: column) }
    output.append(UInt8(ascii: ":"))
    column += 1
    for name in names(first[(colon + 1)...]) { column = write(name, to: &output, column: column) }
    for line in lines.dropFirst() {
      output.append(UInt8(ascii: "\n"))
      output += line
    }
    return output
  }

  /// gcc's `make_write_name`.
  private static func write(_ name: ArraySlice<UInt8>, to output: inout [UInt8], column: Int) -> Int
  {
    var column = column
    if column > 0 {
      if column + name.count > maxColumn {
        output += Array(" \\\n".utf8)
        column = 0
      }
      column += 1
      output.append(UInt8(ascii: " "))
    }
    output += name
    return column + name.count
  }

  /// Logical lines: each backslash-newline removed with the newline.
  private static func joinedContinuations(_ text: [UInt8]) -> [ArraySlice<UInt8>] {
    var joined: [UInt8] = []
    joined.reserveCapacity(text.count)
    var index = 0
    while index < text.count {
      if text[index] == UInt8(ascii: "\\"), index + 1 < text.count, text[index + 1] == 0x0a {
        joined.append(UInt8(ascii: " "))
        index += 2
        continue
      }
      joined.append(text[index])
      index += 1
    }
    return joined.split(separator: 0x0a, omittingEmptySubsequences: false)
  }

  /// The index of the `:` ending a rule's targets (followed by a blank or the end of the line).
  private static func ruleColon(_ line: ArraySlice<UInt8>) -> Int? {
    var index = line.startIndex
    while index < line.endIndex {
      if line[index] == UInt8(ascii: ":"),
        index + 1 == line.endIndex || line[index + 1] == 0x20 || line[index + 1] == 0x09
      {
        return index
      }
      index += 1
    }
    return nil
  }

  /// Names separated by unescaped blanks (`\ ` is part of a name).
  private static func names(_ text: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
    var result: [ArraySlice<UInt8>] = []
    var start: Int? = nil
    var index = text.startIndex
    while index < text.endIndex {
      let byte = text[index]
      let blank =
        (byte == 0x20 || byte == 0x09)
        && !(index > text.startIndex && text[index - 1] == UInt8(ascii: "\\"))
      if blank {
        if let begin = start { result.append(text[begin..<index]) }
        start = nil
      } else if start == nil {
        start = index
      }
      index += 1
    }
    if let begin = start { result.append(text[begin..<text.endIndex]) }
    return result
  }
}
