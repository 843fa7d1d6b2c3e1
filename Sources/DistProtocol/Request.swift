/// One compile request, client to server (`protocol.md` §4.1, §4.2).
///
/// Protocols 1 and 2 carry the preprocessed `source`; protocol 3 carries the `workingDirectory` and the
/// `files` the include server found instead. Arguments and paths are bytes: they need not be UTF-8.
public struct Request: Sendable, Equatable {
  /// The protocol version (the `DIST` value).
  public var version: ProtocolVersion
  /// `true` when the peer sent `DIST 00000000`: distccd 3.4 serves that as protocol 1 and answers
  /// `DONE 00000000`. A daemon reproduces that by copying the flag into its ``Response``; our encoder then
  /// writes 0 instead of 1. Only meaningful with `version == .v1`; a real client never sends it.
  public var isVersionZero: Bool
  /// The client's working directory (`CDIR`), protocol 3 only.
  public var workingDirectory: [UInt8]?
  /// The command line (`ARGV` bodies), compiler name first.
  public var arguments: [[UInt8]]
  /// The preprocessed source (`DOTI`), decompressed; protocols 1 and 2 only.
  public var source: [UInt8]
  /// The source and headers (`NFIL` entries), protocol 3 only.
  public var files: [IncludedFile]
  /// Extensions beyond 3.4 this request uses (`XREQ`, right after `DIST`); empty for every request a 3.4
  /// daemon may see. Sent only to a daemon that announced them (``Extensions``).
  public var extensions: Extensions = []

  /// How this request's bodies are coded (its version and ``extensions``).
  public var bodyCoding: BodyCoding { BodyCoding(version: version, extensions: extensions) }
  /// The client's compiler identity (`CCID`), with ``Extensions/compilerIdentity``.
  public var compilerIdentity: [UInt8]? = nil

  /// Creates a request; `workingDirectory` and `files` belong to protocol 3, `source` to 1 and 2.
  public init(
    version: ProtocolVersion,
    isVersionZero: Bool = false,
    workingDirectory: [UInt8]? = nil,
    arguments: [[UInt8]],
    source: [UInt8] = [],
    files: [IncludedFile] = []
  ) {
    self.version = version
    self.isVersionZero = isVersionZero
    self.workingDirectory = workingDirectory
    self.arguments = arguments
    self.source = source
    self.files = files
  }

  /// The value sent in the `DIST` header.
  public var distValue: UInt32 { isVersionZero && version == .v1 ? 0 : version.rawValue }
}
