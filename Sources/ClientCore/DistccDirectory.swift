internal import Glibc

/// `$DISTCC_DIR` (or `~/.distcc`) made ready for the lock, state and scheduler directories under it.
///
/// Beyond 3.4, which fails to distribute when `$DISTCC_DIR` does not exist yet (`mkdir … No such file or
/// directory`): a missing directory is created with its missing parents, private (mode 0700), as a fresh CI
/// runner's `DISTCC_DIR=~/.cache/distcc` needs. An existing path is used only if it is a directory, or a
/// symbolic link to a directory this user owns: a file, or a link to someone else's directory (where another
/// user could read the job names or take the locks), is refused with one line naming it.
enum DistccDirectory {
  /// Why the directory cannot be used.
  enum Refusal: Error, CustomStringConvertible {
    case notADirectory(String)
    case foreignLink(String, owner: UInt32)
    case system(operation: String, path: String, errno: Int32)

    var description: String {
      switch self {
      case .notADirectory(let path): "distcc directory '\(path)' exists and is not a directory"
      case .foreignLink(let path, let owner):
        "distcc directory '\(path)' is a symbolic link to a directory owned by uid \(owner), not by this user"
      case .system(let operation, let path, let errno):
        "\(operation) '\(path)' failed: \(errorText(errno))"
      }
    }
  }

  /// Makes sure `path` is a usable directory, creating it (and its parents) with mode 0700 if missing.
  static func prepare(_ path: String) throws(Refusal) {
    var info = stat()
    if lstat(path, &info) == 0 {
      switch info.st_mode & S_IFMT {
      case S_IFDIR: return
      case S_IFLNK:
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
          throw .notADirectory(path)
        }
        guard info.st_uid == geteuid() else { throw .foreignLink(path, owner: info.st_uid) }
        return
      default: throw .notADirectory(path)
      }
    }
    guard errno == ENOENT else { throw .system(operation: "stat", path: path, errno: errno) }
    try create(path)
  }

  /// `mkdir -p -m 0700`: every component it creates is private.
  private static func create(_ path: String) throws(Refusal) {
    if mkdir(path, 0o700) == 0 { return }
    switch errno {
    case EEXIST: return
    case ENOENT:
      guard let slash = path.dropLast().lastIndex(of: "/"), slash != path.startIndex else {
        throw .system(operation: "mkdir", path: path, errno: ENOENT)
      }
      try create(String(path[..<slash]))
      if mkdir(path, 0o700) != 0 && errno != EEXIST {
        throw .system(operation: "mkdir", path: path, errno: errno)
      }
    case let code: throw .system(operation: "mkdir", path: path, errno: code)
    }
  }
}
