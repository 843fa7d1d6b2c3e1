/// A compressor for bulk bodies: ``LZO`` (3.4's) and ``Zstd`` (the `zstd` extension). Each implements the
/// two operations over raw buffers; taking any collection of bytes is shared.
package protocol BodyCodec {
  /// Compresses `input` into one stream or frame; empty input gives an empty body (length 0, no bytes).
  static func compress(_ input: UnsafeRawBufferPointer) -> [UInt8]

  /// Decompresses one body into at most `limit` bytes, reserving every buffer from `budget` first; errors
  /// name `token`, the body's packet (`nil` for a bare call).
  static func decompress(
    _ input: UnsafeRawBufferPointer, limit: Int, token: Token?, budget: (any ByteBudget)?
  ) throws(DistProtocolError) -> [UInt8]
}

extension BodyCodec {
  /// Compresses `input`, any collection of bytes.
  package static func compress(_ input: some Collection<UInt8>) -> [UInt8] {
    if input.isEmpty { return [] }
    return input.withContiguousBytes { compress($0) }
  }

  /// Decompresses one body outside a message (errors name no token).
  package static func decompress(
    _ input: some Collection<UInt8>, limit: Int, budget: (any ByteBudget)? = nil
  ) throws(DistProtocolError) -> [UInt8] {
    try input.withContiguousBytes { (buffer) throws(DistProtocolError) in
      try decompress(buffer, limit: limit, token: nil, budget: budget)
    }
  }
}
