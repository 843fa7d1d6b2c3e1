/// One compile result, server to client (`protocol.md` §4.3).
///
/// `SERR`, `SOUT` and `DOTO` are always present on the wire (possibly empty). A failed compile
/// (`status` non-zero) carries no object and no dependencies.
public struct Response: Sendable, Equatable {
  /// The protocol version (the `DONE` value); must equal the request's.
  public var version: ProtocolVersion
  /// Answer with `DONE 00000000`, as distccd 3.4 does to a `DIST 00000000` request (see
  /// ``Request/isVersionZero``). Only meaningful with `version == .v1`.
  public var isVersionZero: Bool
  /// The compiler's wait status (`STAT`).
  public var status: WaitStatus
  /// Compiler standard error plus server warnings (`SERR`), decompressed.
  public var stderr: [UInt8]
  /// Compiler standard output (`SOUT`), decompressed.
  public var stdout: [UInt8]
  /// The object file (`DOTO`), decompressed; empty when `status` is non-zero.
  public var object: [UInt8]
  /// The dependency file (`DOTD`), decompressed: protocol 3 and `status == 0` only, else `nil`.
  public var dependencies: [UInt8]?
  /// The extensions of the request this answers (only ``Extensions/zstd`` changes the reply: its bodies are
  /// zstd frames); not sent as such.
  public var extensions: Extensions = []

  /// How this response's bodies are coded.
  public var bodyCoding: BodyCoding { BodyCoding(version: version, extensions: extensions) }

  /// Creates a reply; `dependencies` belongs to protocol 3 only.
  public init(
    version: ProtocolVersion,
    isVersionZero: Bool = false,
    status: WaitStatus,
    stderr: [UInt8] = [],
    stdout: [UInt8] = [],
    object: [UInt8] = [],
    dependencies: [UInt8]? = nil
  ) {
    self.version = version
    self.isVersionZero = isVersionZero
    self.status = status
    self.stderr = stderr
    self.stdout = stdout
    self.object = object
    self.dependencies = dependencies
  }

  /// The value sent in the `DONE` header.
  public var doneValue: UInt32 { isVersionZero && version == .v1 ? 0 : version.rawValue }
}
