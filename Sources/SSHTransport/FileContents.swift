internal import Glibc

/// Reads small configuration files (`~/.ssh/config`, `known_hosts`) whole.
enum FileContents {
  /// The file's bytes, or `nil` if it does not exist. Other failures are reported as the reason string.
  static func read(_ path: String, limit: Int = 16 << 20) -> Result<[UInt8], ReadFailure>? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 {
      let code = errno
      if code == ENOENT || code == ENOTDIR { return nil }
      return .failure(ReadFailure(reason: String(cString: strerror(code))))
    }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
      if count < 0 {
        if errno == EINTR { continue }
        return .failure(ReadFailure(reason: String(cString: strerror(errno))))
      }
      if count == 0 { return .success(bytes) }
      bytes += chunk[..<count]
      if bytes.count > limit { return .failure(ReadFailure(reason: "larger than \(limit) bytes")) }
    }
  }

  /// Whether `path` names an existing file.
  static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

  struct ReadFailure: Error { var reason: String }
}
