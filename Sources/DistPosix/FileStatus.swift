internal import Glibc
public import SystemPackage

/// What `stat(2)` says about a file: its kind, size, identity, permission bits, owner and modification time.
public struct FileStatus: Sendable, Equatable {
  /// The file types `st_mode` distinguishes.
  public enum Kind: Sendable, Equatable {
    case regular, directory, symbolicLink, characterDevice, blockDevice, fifo, socket
  }

  /// The file's type.
  public let kind: Kind
  /// `st_size` in bytes (0 for devices and FIFOs, and for `/proc` files, whose size the kernel does not know).
  public let size: Int
  /// `st_dev` and `st_ino`: equal for two names of one file.
  public let device: UInt64
  public let inode: UInt64
  /// The number of hard links; 0 once the file was removed while open.
  public let linkCount: Int
  /// The permission bits (`st_mode & 0o7777`).
  public let permissions: FilePermissions
  /// Seconds since the epoch of the last modification.
  public let modificationSeconds: Int
  /// Nanoseconds since the epoch of the last modification of the contents (`st_mtim`): with the device,
  /// inode, size and ``changeNanoseconds``, what tells that a file was edited.
  public let modificationNanoseconds: Int64
  /// Nanoseconds since the epoch of the last change to the contents or the inode (`st_ctim`, which no one
  /// can set back, unlike `st_mtim`).
  public let changeNanoseconds: Int64
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

  /// The status of `path`, or `nil` if no such file exists (`ENOENT`; with `followingLinks`, also a dangling
  /// symbolic link).
  ///
  /// - Parameter followingLinks: `stat` (describe what a symbolic link points to) rather than `lstat`.
  /// - Throws: `PosixError` for any other failure (`ENOTDIR`, `EACCES`, `ELOOP`), naming `path`.
  public static func of(_ path: String, followingLinks: Bool) throws(PosixError) -> FileStatus? {
    do {
      return try FileStatus(path, followLinks: followingLinks)
    } catch  where error.errno == .noSuchFileOrDirectory {
      return nil
    }
  }

  private init(_ info: stat) {
    kind = Kind(mode: info.st_mode)
    size = Int(info.st_size)
    device = UInt64(info.st_dev)
    inode = UInt64(info.st_ino)
    linkCount = Int(info.st_nlink)
    permissions = FilePermissions(rawValue: info.st_mode & 0o7777)
    modificationSeconds = Int(info.st_mtim.tv_sec)
    modificationNanoseconds =
      Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
    changeNanoseconds = Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)
    ownerID = info.st_uid
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
