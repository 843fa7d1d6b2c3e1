/// One entry of a protocol 3 request: `NAME` followed by `FILE` or `LINK` (`protocol.md` §4.2, §7.1).
public struct IncludedFile: Sendable, Equatable {
  /// The absolute client-side path (the `NAME` body), not necessarily UTF-8.
  public var name: [UInt8]
  /// What the entry holds.
  public var content: Content

  /// What a `NAME` names: a regular file or a symlink.
  public enum Content: Sendable, Equatable {
    /// A regular file: its decompressed bytes (sent as an LZO `FILE` body).
    case file([UInt8])
    /// A symlink: its target exactly as `readlink` returned it (sent as a `LINK` body).
    case link([UInt8])
  }

  /// A file or link named `name` (an absolute client path).
  public init(name: [UInt8], content: Content) {
    self.name = name
    self.content = content
  }
}
