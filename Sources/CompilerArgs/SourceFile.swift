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
    guard let ext = Self.fileExtension(of: path) else { return nil }
    switch ext {
    case "c": (language, isPreprocessed) = (.c, false)
    case "i": (language, isPreprocessed) = (.c, true)
    case "cc", "cpp", "cxx", "cp", "c++", "C": (language, isPreprocessed) = (.cPlusPlus, false)
    case "ii": (language, isPreprocessed) = (.cPlusPlus, true)
    case "m": (language, isPreprocessed) = (.objectiveC, false)
    case "mi": (language, isPreprocessed) = (.objectiveC, true)
    case "mm", "M": (language, isPreprocessed) = (.objectiveCPlusPlus, false)
    case "mii": (language, isPreprocessed) = (.objectiveCPlusPlus, true)
    default: return nil
    }
    self.path = path
  }

  /// The final path component (text after the last `/`).
  public var basename: String { Self.basename(of: path) }

  public var description: String { path }

  /// Text after the last `.` of `path`; `nil` when there is no dot or nothing follows it (3.4's
  /// `dcc_find_extension`, which looks at the whole path, not only the basename).
  static func fileExtension(of path: String) -> Substring? {
    guard let dot = path.lastIndex(of: "."), path.index(after: dot) != path.endIndex else {
      return nil
    }
    return path[path.index(after: dot)...]
  }

  /// Text after the last `/` of `path` (the whole path when it has none).
  static func basename(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
  }
}
