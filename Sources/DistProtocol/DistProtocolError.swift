/// Everything that can go wrong encoding or decoding distcc packets.
///
/// Decoding errors name the token, the offending value and the byte offset in the stream (counted from the
/// first byte given to the decoder) so that a log line points at the culprit.
public enum DistProtocolError: Error, Sendable, Equatable, Hashable {
  /// A header's token is not the one the fixed sequence expects here ("protocol derailment").
  /// `found` is the four bytes as text, non-printable bytes escaped as `\xNN`.
  case unexpectedToken(expected: Token, found: String, offset: Int)
  /// After `NAME`, a header that is neither `FILE` nor `LINK`.
  case expectedFileOrLink(found: String, offset: Int)
  /// A header's eight value characters are not a hexadecimal number (`text` as received).
  case badValue(token: Token, text: String, offset: Int)
  /// A `DIST` value other than 0…3 (distccd 3.4 refuses these).
  case unsupportedVersion(UInt32)
  /// A header's value exceeds the decoder's ``DecodingLimits``.
  case limitExceeded(token: Token, value: UInt32, limit: Int, offset: Int)
  /// A body would take the decoded message past ``DecodingLimits/maxMessageLength`` (`limit`).
  case messageTooLarge(token: Token, limit: Int, offset: Int)
  /// The stream ended (``RequestDecoder/finish()``) inside a message; `offset` is the stream length.
  case truncated(expecting: Token, offset: Int)
  /// A compressed body (`coding` is ``BodyCoding/lzo`` or ``BodyCoding/zstd``) cannot be decoded.
  /// `reason`: for LZO1X, `lzo1x_decompress_safe`'s `LZO_E_*` result in decimal; for zstd, libzstd's error
  /// name or what is wrong (a zstd body must be exactly one valid frame).
  case corruptBody(BodyCoding, token: Token?, reason: String)
  /// A compressed body declares or decompresses to more than the allowed maximum (a zstd frame that
  /// declares its size is refused before anything is allocated).
  case decodedBodyTooLarge(BodyCoding, token: Token?, limit: Int)
  /// The decoder's ``ByteBudget`` could not cover the next `bytes` of a body (for `token`; `nil` for a
  /// body decompressed outside a message): the memory is shared and currently taken.
  case memoryBudgetExhausted(token: Token?, bytes: Int)
  /// The `DONE` value is not the version of the request.
  case versionMismatch(expected: ProtocolVersion, found: UInt32)
  /// A non-zero `DOTO` length together with a non-zero `STAT` (distcc 3.4: "remote compiler failed but
  /// also returned output").
  case outputWithFailedStatus(status: WaitStatus, length: UInt32, offset: Int)
  /// Encoding: a body longer than a header can express (4 GiB - 1).
  case bodyTooLong(token: Token, length: Int)
  /// Encoding: a message whose fields contradict its version or status (e.g. `DOTD` in protocol 2).
  case invalidMessage(token: Token, reason: String)
}

extension DistProtocolError: CustomStringConvertible {
  public var description: String {
    switch self {
    case .unexpectedToken(let expected, let found, let offset):
      "protocol derailment: expected token \"\(expected)\" at byte \(offset), found \"\(found)\""
    case .expectedFileOrLink(let found, let offset):
      "protocol derailment: expected token \"FILE\" or \"LINK\" at byte \(offset), found \"\(found)\""
    case .badValue(let token, let text, let offset):
      "failed to parse parameter of token \"\(token)\" at byte \(offset): \"\(text)\" is not 8 hex digits"
    case .unsupportedVersion(let value):
      "can't handle requested protocol version \(value) (supported: 1, 2, 3)"
    case .limitExceeded(let token, let value, let limit, let offset):
      "\(token) at byte \(offset): value \(value) exceeds the limit of \(limit)"
    case .messageTooLarge(let token, let limit, let offset):
      "\(token) at byte \(offset): the message would exceed \(limit) decoded bytes"
    case .truncated(let expecting, let offset):
      "unexpected end of stream at byte \(offset) while reading token \"\(expecting)\""
    case .corruptBody(let coding, let token, let reason):
      "\(coding.codecName) decompression failed\(token.map { " in \($0) body" } ?? ""): \(reason)"
    case .decodedBodyTooLarge(let coding, let token, let limit):
      "\(coding.codecName) body\(token.map { " of \($0)" } ?? "") decompresses to more than \(limit) bytes"
    case .memoryBudgetExhausted(let token, let bytes):
      "\(token.map { "\($0) body: " } ?? "")the memory budget cannot cover \(bytes) more bytes"
    case .versionMismatch(let expected, let found):
      "got version \(found) not \(expected.rawValue) in response from server"
    case .outputWithFailedStatus(let status, let length, let offset):
      "DOTO at byte \(offset): remote compiler failed (\(status)) but also returned \(length) bytes of output"
    case .bodyTooLong(let token, let length):
      "\(token) body of \(length) bytes is too long for a packet header"
    case .invalidMessage(let token, let reason):
      "cannot encode \(token): \(reason)"
    }
  }
}

extension DistProtocolError {
  /// The bytes as text for error messages: printable ASCII kept, everything else as `\xNN`.
  static func printable(_ bytes: some Sequence<UInt8>) -> String {
    var text = ""
    for byte in bytes {
      if byte >= 0x20 && byte < 0x7f && byte != UInt8(ascii: "\\") && byte != UInt8(ascii: "\"") {
        text.unicodeScalars.append(Unicode.Scalar(byte))
      } else {
        let hex = String(byte, radix: 16)
        text += "\\x" + (hex.count == 1 ? "0" + hex : hex)
      }
    }
    return text
  }
}
