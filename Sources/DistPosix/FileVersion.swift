internal import Glibc

/// What `stat`/`lstat` say about a file for caches, reduced to what caches need to tell one version of a file from the
/// next: identity (device, inode), type, size and both change times to the nanosecond.
public struct FileVersion: Sendable, Hashable {
  /// The kind of directory entry.
  public enum Kind: Sendable, Hashable {
    case regular, directory, symbolicLink, other
  }

  public var device: UInt64
  public var inode: UInt64
  public var kind: Kind
  public var size: Int64
  /// Modification time, nanoseconds since the epoch.
  public var modified: Int64
  /// Status-change time, nanoseconds since the epoch (moves on every write, rename or `chmod`, and cannot
  /// be set back by `touch`).
  public var changed: Int64

  public init(
    device: UInt64, inode: UInt64, kind: Kind, size: Int64, modified: Int64, changed: Int64
  ) {
    self.device = device
    self.inode = inode
    self.kind = kind
    self.size = size
    self.modified = modified
    self.changed = changed
  }

  init(_ info: stat) {
    let type = info.st_mode & S_IFMT
    kind =
      switch type {
      case S_IFREG: .regular
      case S_IFDIR: .directory
      case S_IFLNK: .symbolicLink
      default: .other
      }
    device = UInt64(info.st_dev)
    inode = UInt64(info.st_ino)
    size = Int64(info.st_size)
    modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
    changed = Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)
  }

  /// `stat(path)` (symlinks followed); `nil` if there is nothing there (or it cannot be reached).
  public static func follow(_ path: String) -> FileVersion? {
    var info = stat()
    return stat(path, &info) == 0 ? FileVersion(info) : nil
  }

  /// `lstat(path)` (a symlink is described, not followed); `nil` if there is nothing there.
  public static func entry(_ path: String) -> FileVersion? {
    var info = stat()
    return lstat(path, &info) == 0 ? FileVersion(info) : nil
  }

  /// The target of the symlink at `path` exactly as stored, or `nil` if it is not a readable symlink.
  public static func linkTarget(_ path: String) -> String? {
    var buffer = [Int8](repeating: 0, count: Int(PATH_MAX) + 1)
    let count = readlink(path, &buffer, buffer.count - 1)
    guard count >= 0 else { return nil }
    return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// The names in directory `path` (without `.` and `..`), or `nil` if it cannot be read.
  public static func directoryNames(_ path: String) -> Set<String>? {
    guard let stream = opendir(path) else { return nil }
    defer { closedir(stream) }
    var names = Set<String>()
    while let entry = readdir(stream) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      if name != "." && name != ".." { names.insert(name) }
    }
    return names
  }
}
