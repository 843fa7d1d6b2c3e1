import DistTestSupport
import Testing

@testable import DistProtocol

/// `ResponseDecoder(streamingObject: true)` hands a plain `DOTO` body out in pieces as it arrives
/// (`takeObjectBytes`) instead of collecting it: the pieces must add up to the object, whatever the chunking,
/// the rest of the reply must decode as before, and every limit must be checked before a byte is handed out.
@Suite struct StreamedObjectTests {
  static let object = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ $0 >> 11) }

  /// Feeds `stream` in chunks of `chunk` bytes, passing object bytes around the decoder
  /// (`passObjectBytes`) when `passing`, as the client does; returns the replies, the object bytes handed
  /// out per reply, the streamed lengths and the announcements.
  static func decode(
    _ stream: [UInt8], chunk: Int, passing: Bool = false, version: ProtocolVersion = .v1,
    limits: DecodingLimits = .clientDefault
  ) throws -> (replies: [Response], objects: [[UInt8]], lengths: [Int?], announced: [Extensions]) {
    var decoder = ResponseDecoder(expecting: version, limits: limits, streamingObject: true)
    var replies: [Response] = []
    var objects: [[UInt8]] = [[]]
    var lengths: [Int?] = []
    var announced: [Extensions] = []
    var start = 0
    while start < stream.count {
      let received = stream[start..<min(start + chunk, stream.count)]
      start += chunk
      let passed = passing ? decoder.passObjectBytes(received.count) : 0
      objects[objects.count - 1].append(contentsOf: received.prefix(passed))
      decoder.append(received.dropFirst(passed))
      while true {
        if let reply = try decoder.next() {
          replies.append(reply)
          lengths.append(decoder.streamedObjectLength)
          objects.append([])
          if let extensions = decoder.takeAnnouncement() { announced.append(extensions) }
          continue
        }
        let piece = decoder.takeObjectBytes()
        if piece.isEmpty { break }
        #expect(piece.count <= chunk + 12, "a piece is never more than what was buffered")
        objects[objects.count - 1].append(contentsOf: piece)
      }
    }
    try decoder.finish()
    #expect(decoder.bytesReceived == stream.count)
    return (replies, Array(objects.dropLast()), lengths, announced)
  }

  @Test(arguments: [1, 4096, 1 << 16, 1 << 20], [false, true])
  func piecesAddUpToTheObjectThenTheNextReply(chunk: Int, passing: Bool) throws {
    let first = Response(
      version: .v1, status: .success, stderr: Array("warning\n".utf8),
      stdout: Array("out".utf8), object: Self.object)
    let second = Response(version: .v1, status: .success, object: Array(Self.object.prefix(5)))
    // `takeAnnouncement` reads only an `XCAP` already buffered with the reply's end: large chunks have it.
    let announces = chunk >= 4096
    let announcement = announces ? Extensions.zstd.announcementPacket : []
    let stream = try first.encoded() + announcement + second.encoded()
    let decoded = try Self.decode(stream, chunk: chunk, passing: passing)
    #expect(decoded.replies.count == 2)
    #expect(decoded.objects == [Self.object, second.object])
    #expect(decoded.replies.allSatisfy { $0.object.isEmpty }, "streamed objects are not collected")
    #expect(decoded.replies.first?.stderr == Array("warning\n".utf8))
    #expect(decoded.replies.first?.stdout == Array("out".utf8))
    #expect(decoded.lengths == [Self.object.count, 5])
    #expect(decoded.announced == (announces ? [.zstd] : []))
  }

  /// Bytes are passed around the decoder only inside a streamed body with nothing buffered: the header's
  /// own read goes through the decoder, later reads of the body are passed, up to the body's end exactly.
  @Test func onlyBodyBytesArePassedAroundTheDecoder() throws {
    let reply = try Response(version: .v1, status: .success, object: Self.object).encoded()
    let header = reply.count - Self.object.count
    var decoder = ResponseDecoder(expecting: .v1, streamingObject: true)
    #expect(decoder.passObjectBytes(header) == 0, "nothing is passed before the header")
    decoder.append(reply.prefix(header + 10))
    #expect(try decoder.next() == nil)
    #expect(decoder.passObjectBytes(100) == 0, "not while body bytes are buffered")
    #expect(decoder.takeObjectBytes().count == 10)
    #expect(decoder.passObjectBytes(Self.object.count) == Self.object.count - 10)
    #expect(decoder.bytesReceived == reply.count)
    #expect(decoder.passObjectBytes(5) == 0, "nothing past the body")
    #expect(try decoder.next()?.object == [])
    #expect(decoder.isAtMessageBoundary)
  }

  /// Compressed bodies (protocol 2's LZO) and empty objects are not streamed: they come in `object`.
  @Test func compressedAndEmptyObjectsAreCollected() throws {
    let lzo = Response(version: .v2, status: .success, object: Self.object)
    let decoded = try Self.decode(try lzo.encoded(), chunk: 4096, version: .v2)
    #expect(decoded.replies.first?.object == Self.object)
    #expect(decoded.objects == [[]])
    #expect(decoded.lengths == [nil])
    let empty = Response(version: .v1, status: .success)
    let none = try Self.decode(try empty.encoded(), chunk: 7)
    #expect(none.replies.count == 1)
    #expect(none.lengths == [nil])
  }

  /// A hostile length is refused from its header, before any byte of the body is handed out.
  @Test func lengthsAreCheckedBeforeAnyByteIsHandedOut() throws {
    var body = DecodingLimits.clientDefault
    body.maxBodyLength = Self.object.count - 1
    try Self.expectRefused(under: body) {
      guard case .limitExceeded(.doto, let value, _, _) = $0 else { return false }
      return Int(value) == Self.object.count
    }
    var message = DecodingLimits.clientDefault
    message.maxMessageLength = Self.object.count - 1
    try Self.expectRefused(under: message) {
      guard case .messageTooLarge(.doto, _, _) = $0 else { return false }
      return true
    }
  }

  /// Decodes a reply carrying ``object`` under `limits`: the error must match and no byte be handed out.
  static func expectRefused(
    under limits: DecodingLimits, _ matches: (DistProtocolError) -> Bool
  ) throws {
    let reply = try Response(version: .v1, status: .success, object: Self.object).encoded()
    var decoder = ResponseDecoder(expecting: .v1, limits: limits, streamingObject: true)
    decoder.append(reply)
    #expect {
      _ = try decoder.next()
    } throws: { error in
      (error as? DistProtocolError).map(matches) ?? false
    }
    #expect(decoder.takeObjectBytes().isEmpty)
  }

  /// A reply that ends inside the object is truncated, and names `DOTO`.
  @Test func aReplyEndingMidObjectIsTruncated() throws {
    let reply = try Response(version: .v1, status: .success, object: Self.object).encoded()
    var decoder = ResponseDecoder(expecting: .v1, streamingObject: true)
    decoder.append(reply.prefix(reply.count - 1000))
    #expect(try decoder.next() == nil)
    var handed = 0
    while true {
      let piece = decoder.takeObjectBytes()
      if piece.isEmpty { break }
      handed += piece.count
    }
    #expect(handed == Self.object.count - 1000)
    #expect(try decoder.next() == nil)
    #expect {
      try decoder.finish()
    } throws: { error in
      guard case .truncated(.doto, let offset) = error as? DistProtocolError else { return false }
      return offset == reply.count - 1000
    }
  }

  /// A failed compile that sends an object is refused as before: nothing is streamed.
  @Test func aFailedCompileWithAnObjectIsRefused() throws {
    var reply = try Response(version: .v1, status: .success, object: Self.object).encoded()
    // STAT is the second header: make it a failure (exit status 1).
    let stat = Array("STAT00000100".utf8)
    reply.replaceSubrange(12..<24, with: stat)
    var decoder = ResponseDecoder(expecting: .v1, streamingObject: true)
    decoder.append(reply)
    #expect {
      _ = try decoder.next()
    } throws: { error in
      guard case .outputWithFailedStatus(_, let length, _) = error as? DistProtocolError else {
        return false
      }
      return Int(length) == Self.object.count
    }
    #expect(decoder.takeObjectBytes().isEmpty)
  }
}
