/// What one translation unit needs on a server, in the order the include server lists it.
public struct IncludeClosure: Sendable, Equatable {
  /// One thing to recreate under the server's job root.
  public enum Entry: Sendable, Hashable {
    /// A regular file, by its physical path (no symlink in it).
    case file(String)
    /// A symlink at `path` (physical parent), with its target as stored.
    case link(String, target: String)
    /// A directory that must exist (a path goes through it with `..`).
    case directory(String)
    /// A compiler default directory reached through a path the server rewrites under its job root: a
    /// link there back to the server's own copy.
    case systemDirectory(String)
  }

  public var entries: [Entry]
  /// Every file the preprocessor may read that stays on the servers (compiler default directories).
  public var systemFileCount: Int

  public init(entries: [Entry], systemFileCount: Int) {
    self.entries = entries
    self.systemFileCount = systemFileCount
  }
}
