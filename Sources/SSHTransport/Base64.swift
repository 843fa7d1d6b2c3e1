/// Standard base64 (RFC 4648), as OpenSSH writes keys and fingerprints.
enum Base64 {
  private static let alphabet = Array(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

  /// Encodes `bytes`; `padding: false` drops the trailing `=` as `SHA256:` fingerprints do.
  static func encode(_ bytes: some Collection<UInt8>, padding: Bool = true) -> String {
    let input = Array(bytes)
    var output: [UInt8] = []
    output.reserveCapacity((input.count + 2) / 3 * 4)
    var index = 0
    while index < input.count {
      let chunk = input[index..<min(index + 3, input.count)]
      var value = UInt32(0)
      for (offset, byte) in chunk.enumerated() { value |= UInt32(byte) << (16 - 8 * offset) }
      for position in 0..<4 {
        if position <= chunk.count {
          output.append(alphabet[Int((value >> (18 - 6 * position)) & 63)])
        } else if padding {
          output.append(UInt8(ascii: "="))
        }
      }
      index += 3
    }
    return String(decoding: output, as: UTF8.self)
  }

  /// Decodes `text`, or `nil` if it is not base64. Padding is optional.
  static func decode(_ text: some StringProtocol) -> [UInt8]? {
    var output: [UInt8] = []
    var value = UInt32(0)
    var bits = 0
    for byte in text.utf8 {
      let digit: UInt8
      switch byte {
      case UInt8(ascii: "A")...UInt8(ascii: "Z"): digit = byte - UInt8(ascii: "A")
      case UInt8(ascii: "a")...UInt8(ascii: "z"): digit = byte - UInt8(ascii: "a") + 26
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0") + 52
      case UInt8(ascii: "+"): digit = 62
      case UInt8(ascii: "/"): digit = 63
      case UInt8(ascii: "="): continue
      default: return nil
      }
      value = (value << 6) | UInt32(digit)
      bits += 6
      if bits >= 8 {
        bits -= 8
        output.append(UInt8((value >> UInt32(bits)) & 0xff))
      }
    }
    return output
  }
}
