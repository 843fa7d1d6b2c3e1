internal import Glibc

/// Single-entry changes to a directory tree: make a directory, replace an entry by a symlink, remove an entry.
public enum FileSystemEdits {
  /// `mkdir(path, 0700)`; an existing directory is not an error.
  public static func makeDirectory(_ path: String) throws(PosixError) {
    if mkdir(path, 0o700) == 0 || (errno == EEXIST && FileVersion.entry(path)?.kind == .directory) {
      return
    }
    throw PosixError.system(operation: "mkdir \(path)", errno: currentErrno())
  }

  /// Makes `path` a symlink to `target`, atomically replacing whatever entry (not directory) was there.
  public static func replaceWithLink(_ path: String, target: String) throws(PosixError) {
    let temporary = path + ".link-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    _ = try syscall("symlink \(temporary)") { symlink(target, temporary) }
    if rename(temporary, path) != 0 {
      let error = currentErrno()
      unlink(temporary)
      throw PosixError.system(operation: "rename \(temporary) to \(path)", errno: error)
    }
  }

  /// Removes the entry `path` (a file, a symlink or an empty directory).
  public static func remove(_ path: String) throws(PosixError) {
    if unlink(path) == 0 { return }
    if errno == EISDIR || errno == EPERM {
      _ = try syscall("rmdir \(path)") { rmdir(path) }
      return
    }
    throw PosixError.system(operation: "unlink \(path)", errno: currentErrno())
  }
}
