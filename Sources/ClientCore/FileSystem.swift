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
  ///
  /// `PATH` is scanned on its bytes, not `split`: an array of substrings would cost the runtime a metadata
  /// instantiation by mangled name (about 90,000 instructions), and this runs at every compile.
  static func findExecutable(_ name: String, in path: String?) -> String? {
    guard var path else { return nil }
    return path.withUTF8 { bytes in
      var start = 0
      while start <= bytes.count {
        var end = start
        while end < bytes.count && bytes[end] != UInt8(ascii: ":") { end += 1 }
        let directory =
          end == start
          ? "." : String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        let candidate = directory + "/" + name
        if isExecutable(candidate) { return candidate }
        start = end + 1
      }
      return nil
    }
  }

  /// Creates `directory` and its missing parents (mode 0777 & ~umask).
  static func makeDirectories(_ directory: String) throws(ClientError) {
    if let (path, code) = makeDirectories(directory, permissions: everyone) {
      throw .system(operation: "mkdir", path: path, errno: code.rawValue)
    }
  }

  /// `mkdir -p`: creates `directory` and its missing parents with `permissions` (before the umask); an
  /// existing directory is fine.
  /// - Returns: the directory that could not be made and why, or `nil`.
  static func makeDirectories(_ directory: String, permissions: FilePermissions) -> (String, Errno)?
  {
    guard !directory.isEmpty, let code = makeDirectory(directory, permissions: permissions) else {
      return nil
    }
    switch code {
    case .fileExists: return nil
    case .noSuchFileOrDirectory:
      guard let slash = directory.dropLast().lastIndex(of: "/"), slash != directory.startIndex
      else { return (directory, code) }
      if let failure = makeDirectories(String(directory[..<slash]), permissions: permissions) {
        return failure
      }
      if let code = makeDirectory(directory, permissions: permissions), code != .fileExists {
        return (directory, code)
      }
      return nil
    default: return (directory, code)
    }
  }

  /// Read, write and search for everyone (mode 0777, narrowed by the umask).
  static let everyone: FilePermissions = [
    .ownerReadWriteExecute, .groupReadWriteExecute, .otherReadWriteExecute,
  ]

  /// Creates one directory (mode 0777 & ~umask unless given); the error number if that failed.
  static func makeDirectory(_ directory: String, permissions: FilePermissions = everyone) -> Errno?
  {
    do throws(PosixError) {
      try Paths.makeDirectory(directory, permissions: permissions)
      return nil
    } catch {
      return error.errno ?? .ioError
    }
  }
}
