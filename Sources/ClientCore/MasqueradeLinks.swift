import DistPosix

/// Creates a masquerade directory (client.md §3.3): one symlink per compiler found on `PATH`, all pointing at
/// the `distcc` executable, like Debian's `update-distcc-symlinks`. Put the directory first on `PATH`.
package enum MasqueradeLinks {
  /// Whether `name` is a compiler driver distcc should masquerade as: `cc`, `c++`, `gcc`, `g++`, `clang`,
  /// `clang++`, optionally with a `-VERSION` suffix and/or a `TRIPLE-` prefix (`x86_64-linux-gnu-gcc-12`).
  package static func isCompilerName(_ name: String) -> Bool {
    if name == "cc" || name == "c++" { return true }
    var stem = Substring(name)
    // Strip a trailing -<digits/dots> version.
    if let dash = stem.lastIndex(of: "-"), stem.index(after: dash) != stem.endIndex,
      stem[stem.index(after: dash)...].allSatisfy({ $0.isNumber || $0 == "." })
    {
      stem = stem[..<dash]
    }
    for driver in ["gcc", "g++", "clang", "clang++"] {
      if stem == driver { return true }
      if stem.hasSuffix("-" + driver), stem.count > driver.count + 1,
        stem.filter({ $0 == "-" }).count >= 2
      {
        return true
      }
    }
    return false
  }

  /// Creates `directory` (if needed) and a symlink `directory/NAME → target` for every compiler `NAME` found
  /// in the directories of `searchPath` (skipping `directory` itself). Existing links are replaced.
  /// - Returns: the names linked, sorted.
  /// - Throws: `ClientError.system` when the directory or a link cannot be made.
  package static func create(
    in directory: String, target: String, searchPath: String
  ) throws(ClientError) -> [String] {
    try FileSystem.makeDirectories(directory)
    var names: Set<String> = []
    for element in FileSystem.pathElements(searchPath)
    where !element.isEmpty && element != directory {
      guard let entries = try? Directory.entries(String(element)) else { continue }
      for name in entries {
        if isCompilerName(name) && FileSystem.isExecutable(String(element) + "/" + name) {
          names.insert(name)
        }
      }
    }
    for name in names {
      let link = directory + "/" + name
      try? Paths.remove(link)
      do throws(PosixError) { try Paths.makeSymbolicLink(link, to: target) } catch {
        throw .system(operation: "symlink", path: link, errno: (error.errno ?? .ioError).rawValue)
      }
    }
    return names.sorted()
  }
}
