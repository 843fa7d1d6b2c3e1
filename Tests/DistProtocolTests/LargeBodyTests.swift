import DistTestSupport
import Testing

@testable import DistProtocol

/// Large plain bodies are moved out of the decoder's buffer instead of copied (`PacketReader.takeBytes`):
/// the bytes after them, the stream offsets and the next message must come out as if they had been copied.
@Suite struct LargeBodyTests {
  static let object = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }

  /// Our daemon's `XCAP` follows the object in the same read; a second reply follows on the same stream.
  @Test(arguments: [1 << 16, 4096, 1 << 20])
  func aLargeObjectThenTheAnnouncementThenAnotherReply(chunk: Int) throws {
    let first = Response(
      version: .v1, status: .success, stderr: Array("warning\n".utf8), object: Self.object)
    let second = Response(version: .v1, status: .success, object: Array(Self.object.prefix(70_000)))
    let announcement = Extensions.zstd.announcementPacket
    let stream = try first.encoded() + announcement + second.encoded()
    var decoder = ResponseDecoder(expecting: .v1)
    var start = 0
    var replies: [Response] = []
    var announced: [Extensions] = []
    while start < stream.count {
      decoder.append(stream[start..<min(start + chunk, stream.count)])
      start += chunk
      while let reply = try decoder.next() {
        replies.append(reply)
        if let extensions = decoder.takeAnnouncement() { announced.append(extensions) }
      }
    }
    try decoder.finish()
    #expect(replies.count == 2)
    #expect(replies.first?.object == Self.object)
    #expect(replies.first?.stderr == Array("warning\n".utf8))
    #expect(replies.last?.object == second.object)
    #expect(announced == [.zstd])
    #expect(decoder.bytesReceived == stream.count)
  }

  /// A request's large `DOTI` is moved too; a damaged header after it is reported at its true offset.
  @Test func aLargeSourceThenAnErrorAtTheRightOffset() throws {
    let request = Request(
      version: .v1, arguments: [Array("gcc".utf8), Array("-c".utf8)], source: Self.object)
    let encoded = try request.encoded()
    let stream = encoded + Array("DIST0000000Z".utf8)
    var decoder = RequestDecoder()
    decoder.append(stream)
    #expect(try decoder.next()?.source == Self.object)
    #expect {
      _ = try decoder.next()
    } throws: { error in
      guard case .badValue(.dist, _, let offset) = error as? DistProtocolError else { return false }
      return offset == encoded.count + 4
    }
  }
}
