import DistTestSupport
import Testing

@testable import DistProtocol

@Suite struct LZOTests {
  static func sample(_ label: String) -> [UInt8] {
    var generator = SeededGenerator(seed: 42)
    switch label {
    case "empty": return []
    case "1 byte": return [0x7a]
    case "300 random bytes": return .random(count: 300, using: &generator)
    case "1 MiB random": return .random(count: 1 << 20, using: &generator)
    case "1 MiB text":
      let line = Array("static int counter_%d = 42; /* padding */\n".utf8)
      return Array((0..<(1 << 20 / line.count + 1)).flatMap { _ in line }.prefix(1 << 20))
    default: return Array(label.utf8)
    }
  }

  @Test(arguments: ["empty", "1 byte", "300 random bytes", "1 MiB random", "1 MiB text", "hello"])
  func compressionRoundTrips(label: String) throws {
    let input = Self.sample(label)
    let compressed = LZO.compress(input)
    #expect(compressed.isEmpty == input.isEmpty)
    #expect(try LZO.decompress(compressed, limit: input.count) == input)
    if !input.isEmpty { #expect(compressed.suffix(3) == [0x11, 0, 0]) }
  }

  @Test func compressesLikeMiniLZO() {
    // protocol.md §6.4: miniLZO emits the literal-only stream for short inputs.
    let text = Array("hello hello hello hello".utf8)
    #expect(LZO.compress(text) == [0x28] + text + [0x11, 0, 0])
    #expect(LZO.compress(ReferenceCaptureTests.helloSource).count == 0xa5)  // §13.3 DOTI length
  }

  /// The §6.4 literal-only encoding, on both sides of its 238-byte and 255-byte boundaries.
  @Test(arguments: [1, 3, 4, 23, 238, 239, 273, 274, 300, 1000, 70_000])
  func literalOnlyEncodingDecodes(count: Int) throws {
    var generator = SeededGenerator(seed: UInt64(count))
    let input = [UInt8].random(count: count, using: &generator)
    let stream = input.literalOnlyLZO()
    if count == 300 { #expect(stream.prefix(3) == [0, 0, 0x1b]) }
    #expect(try LZO.decompress(stream, limit: count) == input)
  }

  @Test func outputCapIsExact() throws {
    let input = [UInt8](repeating: 0, count: 10_000)
    let compressed = LZO.compress(input)
    #expect(try LZO.decompress(compressed, limit: 10_000) == input)
    let thrown = error { () throws(DistProtocolError) in
      try LZO.decompress(compressed, limit: 9_999)
    }
    #expect(thrown == .decodedBodyTooLarge(.lzo, token: nil, limit: 9_999))
  }

  /// A small stream that would expand to 64 MiB fails against a 1 MiB cap without growing past it.
  @Test func expansionPastTheCapFailsEarly() {
    let bomb = LZO.compress([UInt8](repeating: 0, count: 64 << 20))
    #expect(bomb.count < 1 << 20)
    let thrown = error { () throws(DistProtocolError) in try LZO.decompress(bomb, limit: 1 << 20) }
    #expect(thrown == .decodedBodyTooLarge(.lzo, token: nil, limit: 1 << 20))
  }

  @Test(
    arguments: [
      ([0x12, 0x61, 0x5c, 0x00, 0x11, 0x00, 0x00], Int32(-6)),  // match before the start
      ([0x14, 0x61, 0x62, 0x63], -4),  // literals, then no end marker
      ([0x12, 0x61, 0x11, 0x00, 0x00, 0x00], -8),  // a byte after the end marker
      ([0x11, 0x00], -4),  // end marker cut short
    ] as [([UInt8], Int32)])
  func corruptStreamsReportLZOCode(stream: [UInt8], code: Int32) {
    let thrown = error { () throws(DistProtocolError) in try LZO.decompress(stream, limit: 1000) }
    #expect(thrown == .corruptBody(.lzo, token: nil, reason: "\(code)"))
  }

  @Test func nonContiguousInputIsAccepted() throws {
    let input = Array("non-contiguous input, non-contiguous input".utf8)
    let compressed = LZO.compress(input.lazy.map { $0 })
    #expect(try LZO.decompress(compressed.lazy.map { $0 }, limit: 100) == input)
  }
}
