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

extension IncludedFile {
  /// An entry as it goes on the wire: a `FILE` body already coded as the request codes its bodies, or a
  /// `LINK` target. The pump client sends the bodies its include server compressed once per file as they
  /// are (``Request/encodedFileEntries(_:)``); ``Request`` codes its own ``Content/file(_:)`` bytes into one.
  public struct Coded: Sendable, Equatable {
    /// The absolute client-side path (the `NAME` body).
    public var name: [UInt8]
    /// The `FILE` body as sent, or the `LINK` target.
    public var body: [UInt8]
    /// Whether the entry is a `LINK`.
    public var isLink: Bool

    /// A regular file whose body `codedBody` is already coded for the request (an LZO stream in protocol 3).
    public static func file(name: [UInt8], codedBody: [UInt8]) -> Coded {
      Coded(name: name, body: codedBody, isLink: false)
    }

    /// A symlink to `target`.
    public static func link(name: [UInt8], target: [UInt8]) -> Coded {
      Coded(name: name, body: target, isLink: true)
    }
  }
}
