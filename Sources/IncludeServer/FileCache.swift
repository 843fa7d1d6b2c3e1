internal import DistPosix
import Synchronization

/// What the include server keeps for its whole life: every file's directives (parsed once per version of
/// the file) and every directory's names (read once per version of the directory). A version is the
/// file's `stat` identity: device, inode, size, modification and status-change times to the nanosecond.
/// Nothing is trusted without a fresh `stat` in the query that uses it (`LookupSession`), so a header
/// written, replaced or created in the middle of a build is seen by the next query.
final class FileCache: Sendable {
  private struct FileKey: Hashable { var device: UInt64, inode: UInt64 }
  private let files = Mutex<[FileKey: (FileVersion, SourceDirectives)]>([:])
  private let directories = Mutex<[String: (FileVersion, Set<String>)]>([:])
  /// Counters for the statistics line.
  let counters = Mutex<Counters>(Counters())

  struct Counters: Sendable {
    var parsed = 0
    var parseHits = 0
    var listed = 0
  }

  init() {}

  /// The directives of the file at `path` whose fresh status is `status`; `nil` if it cannot be read.
  func directives(_ path: String, status: FileVersion) -> SourceDirectives? {
    let key = FileKey(device: status.device, inode: status.inode)
    if let (known, directives) = files.withLock({ $0[key] }), known == status {
      counters.withLock { $0.parseHits += 1 }
      return directives
    }
    guard let bytes = try? FileContents.read(path, limit: 256 << 20) else { return nil }
    let directives = SourceDirectives(scanning: bytes)
    files.withLock { $0[key] = (status, directives) }
    counters.withLock { $0.parsed += 1 }
    return directives
  }

  /// The names in directory `path` whose fresh status is `status`; `nil` if it cannot be read.
  func names(_ path: String, status: FileVersion) -> Set<String>? {
    if let (known, names) = directories.withLock({ $0[path] }), known == status { return names }
    guard let names = FileVersion.directoryNames(path) else { return nil }
    // A directory changed while it was read is read again next time (its status moved on).
    directories.withLock { $0[path] = (status, names) }
    counters.withLock { $0.listed += 1 }
    return names
  }
}

/// One query's view of the file system: each path is `stat`ed at most once per query, and the long-lived
/// `FileCache` answers only for versions that match.
struct LookupSession {
  let cache: FileCache
  private var followed: [String: FileVersion?] = [:]
  private var entries: [String: FileVersion?] = [:]
  private var listings: [String: Set<String>?] = [:]
  private var links: [String: String?] = [:]

  init(cache: FileCache) { self.cache = cache }

  /// `stat` (following links), memoised for this query.
  mutating func status(_ path: String) -> FileVersion? {
    if let known = followed[path] { return known }
    let status = FileVersion.follow(path)
    followed[path] = status
    return status
  }

  /// `lstat`, memoised for this query.
  mutating func entry(_ path: String) -> FileVersion? {
    if let known = entries[path] { return known }
    let status = FileVersion.entry(path)
    entries[path] = status
    return status
  }

  mutating func linkTarget(_ path: String) -> String? {
    if let known = links[path] { return known }
    let target = FileVersion.linkTarget(path)
    links[path] = target
    return target
  }

  /// The names in directory `path`, if it is a readable directory.
  mutating func names(_ directory: String) -> Set<String>? {
    if let known = listings[directory] { return known }
    var names: Set<String>? = nil
    if let status = status(directory), status.kind == .directory {
      names = cache.names(directory, status: status)
    }
    listings[directory] = names
    return names
  }

  /// The status of the regular file at absolute `path` (as the preprocessor would open it), or `nil`.
  /// Directory listings answer most misses without a system call.
  mutating func regularFile(_ path: String) -> FileVersion? {
    let directory = PathText.directory(of: path)
    let name = String(PathText.lastComponent(of: path))
    if name.isEmpty || name == "." || name == ".." { return nil }
    if let names = names(directory.isEmpty ? "/" : directory), !names.contains(name) { return nil }
    guard let status = status(path), status.kind == .regular else { return nil }
    return status
  }
}
