import DistPosix

/// Reads the small files SSH needs (`~/.ssh/config`, known-hosts files, `.pub` keys), where a missing file is
/// an ordinary case, not an error.
enum ConfigFiles {
  /// The file's bytes, `nil` if it does not exist, or the error that kept it from being read.
  static func read(_ path: String, limit: Int = 16 << 20) -> Result<[UInt8], PosixError>? {
    do throws(PosixError) {
      return .success(try FileContents.read(path, limit: limit))
    } catch {
      if error.errno == .noSuchFileOrDirectory || error.errno == .notDirectory { return nil }
      return .failure(error)
    }
  }

  /// Whether `path` names an existing file.
  static func exists(_ path: String) -> Bool { Paths.isAccessible(path, .exists) }
}
