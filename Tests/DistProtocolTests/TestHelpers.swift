import DistTestSupport

@testable import DistProtocol

/// One packet with a lower-case header, as the real programs send it.
func packet(_ token: String, _ value: UInt32, _ body: [UInt8] = []) -> [UInt8] {
  let hex = String(value, radix: 16)
  return Array(token.utf8) + Array((String(repeating: "0", count: 8 - hex.count) + hex).utf8) + body
}

/// A string packet: header with the body's length, then the body.
func packet(_ token: String, body: [UInt8]) -> [UInt8] {
  packet(token, UInt32(body.count), body)
}

/// Decodes all of `bytes` fed in chunks of the given sizes (cycled), returning every message.
func decodeAll<D: MessageDecoder>(_ decoder: D, _ bytes: [UInt8], chunkSizes: [Int] = [Int.max])
  throws(DistProtocolError) -> [D.Message]
{
  var decoder = decoder
  var messages: [D.Message] = []
  var start = 0
  var chunk = 0
  while start < bytes.count {
    let end = min(bytes.count, start + max(1, chunkSizes[chunk % chunkSizes.count]))
    decoder.append(bytes[start..<end])
    start = end
    chunk += 1
    while let message = try decoder.next() { messages.append(message) }
  }
  try decoder.finish()
  return messages
}

/// The error `body` throws, or `nil`.
func error<T>(of body: () throws(DistProtocolError) -> T) -> DistProtocolError? {
  do {
    _ = try body()
    return nil
  } catch {
    return error
  }
}

extension Array where Element == UInt8 {
  /// `count` random bytes.
  static func random(count: Int, using generator: inout SeededGenerator) -> [UInt8] {
    (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
  }

  /// The §6.4 literal-only LZO1X encoding (what a minimal sender may emit).
  func literalOnlyLZO() -> [UInt8] {
    var out: [UInt8] = []
    if count <= 238 {
      out.append(UInt8(17 + count))
    } else {
      var rest = count - 18
      out.append(0)
      while rest > 255 {
        out.append(0)
        rest -= 255
      }
      out.append(UInt8(rest))
    }
    return out + self + [0x11, 0, 0]
  }
}
