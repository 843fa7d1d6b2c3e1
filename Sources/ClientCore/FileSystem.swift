import DistPosix
import SystemPackage

/// The few file-system questions the client asks, in one place (the calls themselves are DistPosix's).
enum FileSystem {
  /// Whether `path` is executable by this process (`access(X_OK)`).
  static func isExecutable(_ path: String) -> Bool { Paths.isAccessible(path, .execute) }

  /// The target of the symbolic link at `path`; `nil` if it is not a link.
  static func readLink(_ path: String) -> String? { try? Paths.linkTarget(path) }

  /// The current directory, or `nil`.
  static func currentDirectory() -> String? { try? Paths.currentDirectory() }

  /// A whole file, if readable and at most `limit` bytes, read into one buffer of its size plus one byte.
  static func contents(of path: String, limit: Int = 1 << 20) -> [UInt8]? {
    try? FileContents.read(path, limit: limit)
  }

  /// Splits a `PATH` value into its elements (empty elements kept, as the C code sees them).
  static func pathElements(_ path: String) -> [Substring] {
    path.split(separator: ":", omittingEmptySubsequences: false)
  }

  /// The first `PATH` directory holding an executable `name`, as a full path.
  static func findExecutable(_ name: String, in path: String?) -> String? {
    guard let path else { return nil }
    for element in pathElements(path) {
      let directory = element.isEmpty ? "." : String(element)
      let candidate = directory + "/" + name
      if isExecutable(candidate) { return candidate }
    }
    return nil
  }

  /// Creates `directory` and its missing parents (mode 0777 & ~umask).
  static func makeDirectories(_ directory: String) throws(ClientError) {
    guard !directory.isEmpty, let code = makeDirectory(directory) else { return }
    switch code {
    case .fileExists: return
    case .noSuchFileOrDirectory:
      guard let slash = directory.dropLast().lastIndex(of: "/"), slash != directory.startIndex
      else {
        throw .system(operation: "mkdir", path: directory, errno: code.rawValue)
      }
      try makeDirectories(String(directory[..<slash]))
      if let code = makeDirectory(directory), code != .fileExists {
        throw .system(operation: "mkdir", path: directory, errno: code.rawValue)
      }
    default: throw .system(operation: "mkdir", path: directory, errno: code.rawValue)
    }
  }

  /// Creates one directory (mode 0777 & ~umask); the error number if that failed.
  static func makeDirectory(_ directory: String) -> Errno? {
    do throws(PosixError) {
      try Paths.makeDirectory(
        directory,
        permissions: [.ownerReadWriteExecute, .groupReadWriteExecute, .otherReadWriteExecute])
      return nil
    } catch {
      return error.errno ?? .ioError
    }
  }
}
