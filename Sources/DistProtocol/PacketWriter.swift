/// Low-level packet writing, for senders that stream a message piece by piece (a client sends `DIST`,
/// `ARGC` and `ARGV` before its preprocessor has finished).
///
/// Every header is the token plus eight lower-case hex digits, as the real programs emit.
/// ``Request/encode(into:)`` and ``Response/encode(into:)`` build whole messages from these.
public enum PacketWriter {
  /// The largest value a header can carry, hence the longest body.
  public static let maxBodyLength = Int(UInt32.max)

  /// Appends a value packet: `token` and `value`, no body (`DIST`, `ARGC`, `NFIL`, `DONE`, `STAT`).
  public static func appendValue(_ token: Token, _ value: UInt32, to output: inout [UInt8]) {
    appendHeader(token, value, to: &output)
  }

  /// Appends a string packet: header with the body's length, then the body unchanged (`ARGV`, `CDIR`,
  /// `NAME`, `LINK`; also an already-compressed `FILE` body). Never compressed.
  ///
  /// Traps if the body is longer than ``maxBodyLength``; the message encoders throw instead.
  public static func appendString(
    _ token: Token, _ body: some Collection<UInt8>, to output: inout [UInt8]
  ) {
    precondition(body.count <= maxBodyLength, "\(token) body too long for a packet")
    appendHeader(token, UInt32(body.count), to: &output)
    // One memcpy when the body is contiguous (arrays, native strings' UTF-8), not an element-wise copy.
    if body.withContiguousStorageIfAvailable({ output.append(contentsOf: $0) }) == nil {
      output.append(contentsOf: body)
    }
  }

  /// Appends a bulk packet (`DOTI`, `FILE`, `SERR`, `SOUT`, `DOTO`, `DOTD`): in protocol 1 the body as is,
  /// in protocols 2 and 3 one LZO1X-1 stream. An empty body is length 0 with no body bytes in every version.
  ///
  /// Traps if the (compressed) body is longer than ``maxBodyLength``; the message encoders throw instead.
  public static func appendBulk(
    _ token: Token, _ body: some Collection<UInt8>, version: ProtocolVersion,
    to output: inout [UInt8]
  ) {
    do {
      try appendBulkChecked(
        token, Array(body), coding: BodyCoding(version: version, extensions: []), to: &output)
    } catch {
      preconditionFailure("\(error)")
    }
  }

  static func appendStringChecked(
    _ token: Token, _ body: some Collection<UInt8>, to output: inout [UInt8]
  ) throws(DistProtocolError) {
    guard body.count <= maxBodyLength else { throw .bodyTooLong(token: token, length: body.count) }
    appendString(token, body, to: &output)
  }

  static func appendBulkChecked(
    _ token: Token, _ body: [UInt8], coding: BodyCoding, to output: inout [UInt8]
  ) throws(DistProtocolError) {
    try appendStringChecked(token, coding.encode(body), to: &output)
  }

  private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

  static func appendHeader(_ token: Token, _ value: UInt32, to output: inout [UInt8]) {
    let packed = token.packedValue
    let header:
      (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (
        UInt8(truncatingIfNeeded: packed >> 24), UInt8(truncatingIfNeeded: packed >> 16),
        UInt8(truncatingIfNeeded: packed >> 8), UInt8(truncatingIfNeeded: packed),
        hexDigits[Int(value >> 28 & 0xf)], hexDigits[Int(value >> 24 & 0xf)],
        hexDigits[Int(value >> 20 & 0xf)], hexDigits[Int(value >> 16 & 0xf)],
        hexDigits[Int(value >> 12 & 0xf)], hexDigits[Int(value >> 8 & 0xf)],
        hexDigits[Int(value >> 4 & 0xf)], hexDigits[Int(value & 0xf)]
      )
    withUnsafeBytes(of: header) { output.append(contentsOf: $0) }
  }
}
