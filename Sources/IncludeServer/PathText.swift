/// Lexical path helpers (no file-system access).
enum PathText {
  /// The directory part of `path` (`""` for a bare name), as the preprocessor takes an includer's
  /// directory: everything before the last `/`.
  static func directory(of path: String) -> String {
    let bytes = path.utf8
    guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return "" }
    if slash == bytes.startIndex { return "/" }
    return String(path[..<slash])
  }

  /// The last component of `path` (everything after its last `/`).
  static func lastComponent(of path: String) -> Substring {
    let bytes = path.utf8
    guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return path[...] }
    return path[bytes.index(after: slash)...]
  }

  /// `directory` joined with `name` the way the preprocessor opens it (`name` absolute wins).
  static func join(_ directory: String, _ name: String) -> String {
    if name.hasPrefix("/") || directory.isEmpty { return name }
    if directory.hasSuffix("/") { return directory + name }
    return directory + "/" + name
  }

  /// `path` with `.` components, repeated and trailing slashes removed and `..` applied lexically.
  static func normalized(_ path: String) -> String {
    var parts: [Substring] = []
    for part in path.split(separator: "/") {
      if part == "." { continue }
      if part == ".." {
        if !parts.isEmpty { parts.removeLast() }
        continue
      }
      parts.append(part)
    }
    return "/" + parts.joined(separator: "/")
  }

  /// Whether `path` is `directory` or lies below it (both normalized, absolute).
  static func isWithin(_ path: String, _ directory: String) -> Bool {
    if directory == "/" { return true }
    return path == directory
      || (path.hasPrefix(directory)
        && path.utf8.dropFirst(directory.utf8.count).first == UInt8(ascii: "/"))
  }
}
