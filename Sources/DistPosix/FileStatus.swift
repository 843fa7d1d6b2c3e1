internal import Glibc
public import SystemPackage

/// What `stat(2)` says about a file: its kind, size, permission bits and modification time.
public struct FileStatus: Sendable, Equatable {
  /// The kind of file.
  public enum Kind: Sendable, Equatable {
    case regular, directory, symbolicLink, other
  }

  public let kind: Kind
  /// Size in bytes (0 for `/proc` files, whose size the kernel does not know).
  public let size: Int
  /// The permission bits (`st_mode & 0o7777`).
  public let permissions: FilePermissions
  /// Seconds since the epoch of the last modification.
  public let modificationSeconds: Int
  /// The number of hard links; 0 once the file was removed while open.
  public let linkCount: Int
  /// The owner's user id.
  public let ownerID: UInt32

  /// The status of `path`, following a symbolic link unless `followLinks` is false (`lstat`).
  public init(_ path: String, followLinks: Bool = true) throws(PosixError) {
    var info = stat()
    _ = try syscall("stat \(path)") { followLinks ? stat(path, &info) : lstat(path, &info) }
    self.init(info)
  }

  /// The status of an open file (`fstat`).
  public init(_ fd: FileDescriptor) throws(PosixError) {
    var info = stat()
    _ = try syscall("fstat") { fstat(fd.rawValue, &info) }
    self.init(info)
  }

  private init(_ info: stat) {
    switch info.st_mode & S_IFMT {
    case S_IFREG: kind = .regular
    case S_IFDIR: kind = .directory
    case S_IFLNK: kind = .symbolicLink
    default: kind = .other
    }
    size = Int(info.st_size)
    permissions = FilePermissions(rawValue: info.st_mode & 0o7777)
    modificationSeconds = Int(info.st_mtim.tv_sec)
    linkCount = Int(info.st_nlink)
    ownerID = info.st_uid
  }
}
