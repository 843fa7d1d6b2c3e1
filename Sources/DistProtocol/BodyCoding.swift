/// How a message's bulk bodies (`DOTI`, `FILE`, `SERR`, `SOUT`, `DOTO`, `DOTD`) are coded on the wire:
/// as they are (protocol 1), one LZO1X stream each (protocols 2 and 3), or, with the ``Extensions/zstd``
/// extension our client and daemon negotiate, one zstd frame each in every protocol.
public enum BodyCoding: Sendable, Hashable {
  case plain, lzo, zstd

  /// The coding of a message of `version` that uses `extensions`.
  public init(version: ProtocolVersion, extensions: Extensions) {
    if extensions.contains(.zstd) {
      self = .zstd
    } else {
      self = version.compressesBodies ? .lzo : .plain
    }
  }

  /// The codec's name in messages: `LZO1X`, `zstd` (`none` for ``plain``).
  var codecName: String {
    switch self {
    case .plain: "none"
    case .lzo: "LZO1X"
    case .zstd: "zstd"
    }
  }

  /// `body` coded for the wire; an empty body stays empty (length 0, no stream or frame).
  func encode(_ body: [UInt8]) -> [UInt8] {
    guard !body.isEmpty else { return body }
    switch self {
    case .plain: return body
    case .lzo: return LZO.compress(body)
    case .zstd: return Zstd.compress(body)
    }
  }

  /// `body` coded for the wire, read where it lies (a mapped file, say); an empty body stays empty.
  /// `.plain` copies it: a sender of plain bodies writes them from where they are instead.
  public func encode(_ body: UnsafeRawBufferPointer) -> [UInt8] {
    guard !body.isEmpty else { return [] }
    switch self {
    case .plain: return Array(body)
    case .lzo: return LZO.compress(body)
    case .zstd: return Zstd.compress(body)
    }
  }

  /// Decodes a compressed body into at most `limit` bytes (LZO or zstd; `.plain` is never passed).
  func decode(_ body: UnsafeRawBufferPointer, limit: Int, token: Token, budget: (any ByteBudget)?)
    throws(DistProtocolError) -> [UInt8]
  {
    switch self {
    case .zstd: return try Zstd.decompress(body, limit: limit, token: token, budget: budget)
    case .lzo, .plain: return try LZO.decompress(body, limit: limit, token: token, budget: budget)
    }
  }
}
