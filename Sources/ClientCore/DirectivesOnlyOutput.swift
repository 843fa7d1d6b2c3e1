import DistPosix
import SystemPackage

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
  static let serverDependentWords = ["__DATE__", "__TIME__", "__TIMESTAMP__", "__BASE_FILE__"]

  /// Why `output` cannot be compiled exactly on the daemon, or `nil`.
  static func inexactReason(in output: [UInt8]) -> String? {
    output.withUnsafeBytes { inexactReason(in: $0) }
  }

  static func inexactReason(in output: UnsafeRawBufferPointer) -> String? {
    guard let base = output.baseAddress else { return nil }
    for word in serverDependentWords where ByteSearch.first(word, in: output) != nil {
      return "the source uses \(word)"
    }
    let consumed = "\n       \n"
    var offset = 0
    while let found = ByteSearch.first(consumed, in: output, from: offset) {
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

  /// Pragmas gcc 12's directives-only output drops.
  static let vanishingPragmas: [[UInt8]] = [Array("message".utf8), Array("redefine_extname".utf8)]

  /// The first file named by a line marker of `output` that has a `#pragma` in ``vanishingPragmas``
  /// (or cannot be read), with the reason; `resolve` turns a marker's name into a path. A file `checked`
  /// knows is clean costs one `stat`; one it does not know is read, searched and, if clean, noted in it.
  static func vanishingPragma(
    in output: [UInt8], resolve: (String) -> String, checked: inout PragmaFreeFiles
  ) -> String? {
    output.withUnsafeBytes { vanishingPragma(in: $0, resolve: resolve, checked: &checked) }
  }

  static func vanishingPragma(
    in text: UnsafeRawBufferPointer, resolve: (String) -> String, checked: inout PragmaFreeFiles
  ) -> String? {
    var seen = Set<[UInt8]>()
    var offset = 0
    while let marker = ByteSearch.first("\n# ", in: text, from: offset) {
      offset = marker + 3
      guard let name = markerName(text, at: offset), seen.insert(name).inserted,
        name.first != UInt8(ascii: "<"), name.last != UInt8(ascii: "/")
      else { continue }  // `<built-in>`, `<command-line>`, `-g`'s working directory `/dir//`
      let path = resolve(String(decoding: name, as: UTF8.self))
      guard !name.contains(UInt8(ascii: "\\")) else {
        return "\(path) could not be checked for pragmas"
      }
      if let status = try? FileStatus(path), checked.contains(status) { continue }
      checked.noteRead()
      guard let (source, status) = readWithStatus(path) else {
        return "\(path) could not be checked for pragmas"
      }
      if let pragma = vanishingPragma(in: source) {
        return "\(path) has #pragma \(String(decoding: pragma, as: UTF8.self))"
      }
      checked.add(status)
    }
    return nil
  }

  /// The contents of the file at `path` and its status before they were read.
  private static func readWithStatus(_ path: String) -> ([UInt8], FileStatus)? {
    guard let fd = try? FileDescriptor.open(path, .readOnly, options: [.closeOnExec]) else {
      return nil
    }
    defer { fd.closeIgnoringErrors() }
    let limit = 64 << 20
    guard let status = try? FileStatus(fd),
      let source = try? FileContents.read(fd, upTo: limit + 1),
      source.count <= limit
    else { return nil }
    return (source, status)
  }

  /// The quoted name of the line marker whose number starts at `offset` (`N "name" flags`).
  private static func markerName(_ text: UnsafeRawBufferPointer, at offset: Int) -> [UInt8]? {
    var index = offset
    while index < text.count, text[index] >= UInt8(ascii: "0"), text[index] <= UInt8(ascii: "9") {
      index += 1
    }
    guard index + 1 < text.count, index > offset, text[index] == UInt8(ascii: " "),
      text[index + 1] == UInt8(ascii: "\"")
    else { return nil }
    let start = index + 2
    var end = start
    while end < text.count, text[end] != UInt8(ascii: "\""), text[end] != UInt8(ascii: "\n") {
      end += 1
    }
    return Array(text[start..<end])
  }

  /// The vanishing pragma `source` uses: `pragma` followed by blanks and one of ``vanishingPragmas``.
  static func vanishingPragma(in source: [UInt8]) -> [UInt8]? {
    source.withUnsafeBytes { text in
      var offset = 0
      while let hit = ByteSearch.first("pragma", in: text, from: offset) {
        offset = hit + 6
        var index = offset
        while index < text.count,
          text[index] == UInt8(ascii: " ") || text[index] == UInt8(ascii: "\t")
        {
          index += 1
        }
        for word in vanishingPragmas where text.count - index >= word.count {
          let end = index + word.count
          let follows = end < text.count ? text[end] : UInt8(ascii: " ")
          if text[index..<end].elementsEqual(word), !isIdentifier(follows) { return word }
        }
      }
      return nil
    }
  }

  private static func isIdentifier(_ byte: UInt8) -> Bool {
    byte == UInt8(ascii: "_")
      || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z"))
      || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
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
}
