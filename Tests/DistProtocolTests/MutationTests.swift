import DistTestSupport
import Testing

@testable import DistProtocol

/// Seeded random corruptions of the golden captures: the decoders either throw a `DistProtocolError` or
/// produce a message that survives its own encode → decode unchanged. (A trap would end the test run.)
@Suite struct MutationTests {
  static func mutate(_ bytes: [UInt8], _ generator: inout SeededGenerator) -> [UInt8] {
    var bytes = bytes
    for _ in 0..<Int.random(in: 1...4, using: &generator) {
      let index = Int.random(in: 0..<bytes.count, using: &generator)
      switch Int.random(in: 0..<4, using: &generator) {
      case 0: bytes[index] = UInt8.random(in: 0...255, using: &generator)
      case 1: bytes[index] ^= 1 << UInt8.random(in: 0..<8, using: &generator)
      case 2: bytes.removeSubrange(index..<min(bytes.count, index + 1 + index % 7))
      default: bytes.insert(UInt8.random(in: 0...255, using: &generator), at: index)
      }
      if bytes.isEmpty { bytes = [0] }
    }
    return bytes
  }

  @Test(arguments: Capture.all)
  func corruptedRequestsFailCleanlyOrStayConsistent(capture: Capture) throws {
    var generator = SeededGenerator(seed: UInt64(capture.name.utf8.count) &* 7919)
    let original = try capture.request()
    var decodedCount = 0
    for _ in 0..<300 {
      let bytes = Self.mutate(original, &generator)
      guard let requests = try? decodeAll(RequestDecoder(), bytes, chunkSizes: [5, 40]) else {
        continue
      }
      for request in requests where !request.arguments.isEmpty {
        decodedCount += 1
        #expect(try decodeAll(RequestDecoder(), request.encoded()) == [request])
      }
    }
    #expect(decodedCount < 300)  // most corruptions are caught
  }

  @Test(arguments: Capture.all)
  func corruptedResponsesFailCleanlyOrStayConsistent(capture: Capture) throws {
    var generator = SeededGenerator(seed: UInt64(capture.name.utf8.count) &* 104_729)
    let original = try capture.response()
    for _ in 0..<300 {
      let bytes = Self.mutate(original, &generator)
      let decoder = ResponseDecoder(expecting: capture.version)
      guard let responses = try? decodeAll(decoder, bytes, chunkSizes: [5, 40]) else { continue }
      for response in responses {
        #expect(try decodeAll(decoder, response.encoded()) == [response])
      }
    }
  }
}
