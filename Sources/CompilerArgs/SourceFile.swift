/// A compiler input file recognised by its extension, as distcc 3.4's `dcc_is_source` does (client.md §4.2).
///
/// Matching is case-sensitive: `.C` and `.M` are sources, `.CPP` is not. Assembler files (`.s`, `.S`) are never
/// sources, so a command compiling only assembler stays local.
public struct SourceFile: Sendable, Equatable, CustomStringConvertible {
  /// The path exactly as written on the command line.
  public var path: String
  /// The source language implied by the extension.
  public var language: Language
  /// Whether the file is already preprocessed (`.i`, `.ii`, `.mi`, `.mii`): it is sent without running cpp.
  public var isPreprocessed: Bool

  /// Source languages distcc distinguishes; they differ only in the preprocessed file extension.
  public enum Language: Sendable, Equatable {
    case c, cPlusPlus, objectiveC, objectiveCPlusPlus

    /// The extension, without the dot, of this language's preprocessed output (`i`, `ii`, `mi`, `mii`).
    public var preprocessedExtension: String {
      switch self {
      case .c: "i"
      case .cPlusPlus: "ii"
      case .objectiveC: "mi"
      case .objectiveCPlusPlus: "mii"
      }
    }
  }

  /// Classifies `path`; `nil` when it has no source extension.
  public init?(path: String) {
    guard let (language, isPreprocessed) = Self.classify(Array(path.utf8)) else { return nil }
    self.init(path: path, language: language, isPreprocessed: isPreprocessed)
  }

  init(path: String, language: Language, isPreprocessed: Bool) {
    self.path = path
    self.language = language
    self.isPreprocessed = isPreprocessed
  }

  /// The language and preprocessed state a file name's extension implies; `nil` when it has no source
  /// extension. The extension is the text after the last `.` of the whole name (3.4's
  /// `dcc_find_extension`), compared as bytes.
  public static func classify(_ name: [UInt8]) -> (language: Language, isPreprocessed: Bool)? {
    guard let dot = name.lastIndex(of: UInt8(ascii: ".")) else { return nil }
    let ext = name[(dot + 1)...]
    switch ext.count {
    case 1:
      switch ext.first! {
      case UInt8(ascii: "c"): return (.c, false)
      case UInt8(ascii: "i"): return (.c, true)
      case UInt8(ascii: "C"): return (.cPlusPlus, false)
      case UInt8(ascii: "m"): return (.objectiveC, false)
      case UInt8(ascii: "M"): return (.objectiveCPlusPlus, false)
      default: return nil
      }
    case 2:
      if ext.elementsEqual("cc".utf8) || ext.elementsEqual("cp".utf8) { return (.cPlusPlus, false) }
      if ext.elementsEqual("ii".utf8) { return (.cPlusPlus, true) }
      if ext.elementsEqual("mi".utf8) { return (.objectiveC, true) }
      if ext.elementsEqual("mm".utf8) { return (.objectiveCPlusPlus, false) }
      return nil
    case 3:
      if ext.elementsEqual("cpp".utf8) || ext.elementsEqual("cxx".utf8)
        || ext.elementsEqual("c++".utf8)
      {
        return (.cPlusPlus, false)
      }
      if ext.elementsEqual("mii".utf8) { return (.objectiveCPlusPlus, true) }
      return nil
    default: return nil
    }
  }

  /// The final path component (text after the last `/`).
  public var basename: String { Self.basename(of: path) }

  public var description: String { path }

  /// Text after the last `/` of `path` (the whole path when it has none).
  static func basename(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
  }

  /// Bytes after the last `/` of `path` (all of them when it has none).
  static func basename(of path: [UInt8]) -> ArraySlice<UInt8> {
    guard let slash = path.lastIndex(of: UInt8(ascii: "/")) else { return path[...] }
    return path[(slash + 1)...]
  }

  /// The name gcc writes when no `-o` is given: the input's basename with its extension replaced by `.o`
  /// (`.s` with `-S`). `nil` when the basename is shorter than 3 bytes (3.4 refuses those).
  static func defaultOutput(for input: [UInt8], assembly: Bool) -> [UInt8]? {
    let base = basename(of: input)
    guard base.count >= 3, let dot = base.lastIndex(of: UInt8(ascii: ".")) else { return nil }
    return Array(base[..<dot]) + Array((assembly ? ".s" : ".o").utf8)
  }
}
