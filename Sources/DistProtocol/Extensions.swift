/// Protocol extensions beyond distcc 3.4 that our client and our daemon agree on (Docs/protocol.md,
/// "Extensions"). A 3.4 peer never sees them:
///
/// - our daemon announces what it supports with one `XCAP` packet *after* a complete reply
///   (``announcementPacket``), which a 3.4 client never reads;
/// - our client, once it has seen that announcement from a host, may open later requests to it with
///   `XREQ` (the extensions the request uses, right after `DIST`) and the packets those extensions add.
public struct Extensions: OptionSet, Sendable, Hashable, CustomStringConvertible {
  public let rawValue: UInt32
  public init(rawValue: UInt32) { self.rawValue = rawValue }

  /// Request and reply bodies compressed with zstd instead of LZO.
  public static let zstd = Extensions(rawValue: 1 << 0)
  /// The request names the client's compiler identity (`CCID`); the daemon refuses a mismatch.
  public static let compilerIdentity = Extensions(rawValue: 1 << 1)
  /// The source was preprocessed with `-fdirectives-only`; the daemon compiles it with `-fpreprocessed
  /// -fdirectives-only`.
  public static let directivesOnly = Extensions(rawValue: 1 << 2)
  /// The source is clang's `-E -frewrite-includes` output (includes expanded, macros not); the daemon
  /// compiles it as C or C++ source from standard input under the client's input name.
  public static let rewrittenIncludes = Extensions(rawValue: 1 << 3)
  /// The extensions under which the client's preprocessor leaves macro expansion to the daemon.
  public static let partialPreprocessing: Extensions = [.directivesOnly, .rewrittenIncludes]

  /// The names, for logs and `--show-backoff`.
  public var description: String {
    let names: [(Extensions, String)] = [
      (.zstd, "zstd"), (.compilerIdentity, "compiler-identity"),
      (.directivesOnly, "directives-only"), (.rewrittenIncludes, "rewritten-includes"),
    ]
    let known = names.filter { contains($0.0) }.map(\.1)
    let unknown = subtracting(Extensions(names.map(\.0)))
    return (known + (unknown.isEmpty ? [] : ["0x" + String(unknown.rawValue, radix: 16)]))
      .joined(separator: ",")
  }

  /// The `XCAP` packet a daemon appends after a complete reply to announce these extensions.
  public var announcementPacket: [UInt8] {
    var packet: [UInt8] = []
    PacketWriter.appendValue(.xcap, rawValue, to: &packet)
    return packet
  }

  /// Reads an announcement from bytes that followed a complete reply: `nil` unless they are exactly one
  /// whole `XCAP` packet (a 3.4 daemon sends nothing after its reply; anything else is ignored).
  public init?(announcement bytes: some Collection<UInt8>) {
    guard bytes.count == PacketReader.headerLength, Token(bytes: bytes.prefix(4)) == .xcap,
      let value = PacketReader.parseHex(Array(bytes.dropFirst(4))[...])
    else { return nil }
    self.init(rawValue: value)
  }
}
