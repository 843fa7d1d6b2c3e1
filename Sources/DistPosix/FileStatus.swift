internal import Glibc

/// What `stat`/`lstat` says about a path: its type, size and identity.
public struct FileStatus: Sendable, Equatable {
  /// The file types `st_mode` distinguishes.
  public enum Kind: Sendable, Equatable {
    case regular, directory, symbolicLink, characterDevice, blockDevice, fifo, socket
  }

  /// The file's type.
  public var kind: Kind
  /// `st_size` in bytes (0 for devices and FIFOs).
  public var size: Int
  /// `st_dev` and `st_ino`: equal for two names of one file.
  public var device: UInt64
  public var inode: UInt64
  /// `st_nlink`: how many names the file has.
  public var linkCount: Int

  /// The status of `path`, or `nil` if no such file exists (`ENOENT`; with `followingLinks`, also a dangling
  /// symbolic link).
  ///
  /// - Parameter followingLinks: `stat` (describe what a symbolic link points to) rather than `lstat`.
  /// - Throws: `PosixError` for any other failure (`ENOTDIR`, `EACCES`, `ELOOP`), naming `path`.
  public static func of(_ path: String, followingLinks: Bool) throws(PosixError) -> FileStatus? {
    var info = stat()
    let result = followingLinks ? stat(path, &info) : lstat(path, &info)
    guard result == 0 else {
      let code = currentErrno()
      if code == .noSuchFileOrDirectory { return nil }
      throw PosixError.system(operation: "stat \(path)", errno: code)
    }
    return FileStatus(
      kind: Kind(mode: info.st_mode), size: Int(info.st_size), device: UInt64(info.st_dev),
      inode: UInt64(info.st_ino), linkCount: Int(info.st_nlink))
  }
}

extension FileStatus.Kind {
  init(mode: mode_t) {
    switch mode & S_IFMT {
    case S_IFDIR: self = .directory
    case S_IFLNK: self = .symbolicLink
    case S_IFCHR: self = .characterDevice
    case S_IFBLK: self = .blockDevice
    case S_IFIFO: self = .fifo
    case S_IFSOCK: self = .socket
    default: self = .regular
    }
  }
}
