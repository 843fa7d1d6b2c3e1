internal import Glibc

/// The few file-system questions the client asks, in one place.
enum FileSystem {
  /// `access(path, X_OK) == 0`.
  static func isExecutable(_ path: String) -> Bool { access(path, X_OK) == 0 }

  /// The target of the symbolic link at `path`; `nil` if it is not a link.
  static func readLink(_ path: String) -> String? {
    var buffer = [CChar](repeating: 0, count: 4096)
    let count = buffer.withUnsafeMutableBufferPointer {
      readlink(path, $0.baseAddress!, $0.count - 1)
    }
    guard count >= 0 else { return nil }
    return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// The current directory, or `nil`.
  static func currentDirectory() -> String? {
    guard let pointer = getcwd(nil, 0) else { return nil }
    defer { free(pointer) }
    return String(cString: pointer)
  }

  /// A whole file, if readable and at most `limit` bytes, read straight into one uninitialised buffer of its
  /// size plus one byte (so the read that sees end-of-file needs no growth and nothing is zero-filled).
  static func contents(of path: String, limit: Int = 1 << 20) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0, Int(info.st_size) <= limit else { return nil }
    let capacity = Int(info.st_size) + 1
    var failed = false
    var result = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
      initialized = 0
      while initialized < capacity {
        let count = read(fd, buffer.baseAddress! + initialized, capacity - initialized)
        if count < 0 && errno == EINTR { continue }
        if count < 0 { failed = true }
        if count <= 0 { return }
        initialized += count
      }
    }
    guard !failed else { return nil }
    if result.count == capacity {
      // The file grew, or st_size was 0 as for /proc files: read the rest in chunks.
      var chunk = [UInt8](repeating: 0, count: 64 * 1024)
      while result.count <= limit {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        if count < 0 && errno == EINTR { continue }
        guard count >= 0 else { return nil }
        if count == 0 { break }
        result.append(contentsOf: chunk[..<count])
      }
    }
    return result.count <= limit ? result : nil
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
    guard !directory.isEmpty, mkdir(directory, 0o777) != 0 else { return }
    switch errno {
    case EEXIST: return
    case ENOENT:
      guard let slash = directory.dropLast().lastIndex(of: "/"), slash != directory.startIndex
      else {
        throw .system(operation: "mkdir", path: directory, errno: ENOENT)
      }
      try makeDirectories(String(directory[..<slash]))
      if mkdir(directory, 0o777) != 0 && errno != EEXIST {
        throw .system(operation: "mkdir", path: directory, errno: errno)
      }
    case let code: throw .system(operation: "mkdir", path: directory, errno: code)
    }
  }
}
