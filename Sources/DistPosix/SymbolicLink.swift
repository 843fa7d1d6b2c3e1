internal import Glibc

/// Reading symbolic links.
public enum SymbolicLink {
  /// The target of the symbolic link at `path`, exactly as stored (`readlink`).
  ///
  /// - Throws: `PosixError` naming `path` (`EINVAL` if it is not a link).
  public static func target(of path: String) throws(PosixError) -> String {
    var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX))
    let count = try syscall("readlink \(path)") {
      buffer.withUnsafeMutableBytes { readlink(path, $0.baseAddress!, $0.count) }
    }
    return String(decoding: buffer[..<count], as: UTF8.self)
  }
}
