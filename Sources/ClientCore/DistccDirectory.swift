import DistPosix
import SystemPackage

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
        "\(operation) '\(path)' failed: \(Errno(rawValue: errno).message)"
      }
    }
  }

  /// Makes sure `path` is a usable directory, creating it (and its parents) with mode 0700 if missing.
  static func prepare(_ path: String) throws(Refusal) {
    let kind: FileStatus.Kind
    do throws(PosixError) {
      kind = try FileStatus(path, followLinks: false).kind
    } catch  where error.errno == .noSuchFileOrDirectory {
      // `mkdir -p -m 0700`: every component it creates is private.
      if let (failed, code) = FileSystem.makeDirectories(path, permissions: .ownerReadWriteExecute)
      {
        throw .system(operation: "mkdir", path: failed, errno: code.rawValue)
      }
      return
    } catch {
      throw .system(operation: "stat", path: path, errno: (error.errno ?? .ioError).rawValue)
    }
    switch kind {
    case .directory: return
    case .symbolicLink:
      guard let target = try? FileStatus(path), target.kind == .directory else {
        throw .notADirectory(path)
      }
      guard target.ownerID == Credentials.effectiveUserID else {
        throw .foreignLink(path, owner: target.ownerID)
      }
    default: throw .notADirectory(path)
    }
  }
}
