import Testing

@testable import DistProtocol

/// Extensions beyond 3.4 (Docs/protocol.md "Extensions"): `XREQ`/`CCID` after `DIST` in a request, `XCAP`
/// after a complete reply; a request without extensions stays 3.4's bytes.
@Suite struct ExtensionsTests {
  static let arguments = ["gcc", "-c", "t.c", "-o", "t.o"].map { Array($0.utf8) }

  @Test(arguments: [ProtocolVersion.v1, .v2])
  func requestWithExtensionsRoundTripsSplitAnywhere(version: ProtocolVersion) throws {
    var request = Request(
      version: version, arguments: Self.arguments, source: Array("int x;\n".utf8))
    request.extensions = [.compilerIdentity, .zstd]
    request.compilerIdentity = Array("gcc 12.2.0 x86_64-linux-gnu".utf8)
    let bytes = try request.encoded()
    #expect(Array(bytes[12..<24]) == Array("XREQ00000003".utf8))
    #expect(Array(bytes[24..<28]) == Array("CCID".utf8))
    for cut in 0...bytes.count {
      var decoder = RequestDecoder()
      decoder.append(bytes[..<cut])
      let early = try decoder.next()
      decoder.append(bytes[cut...])
      let decoded = try early ?? #require(try decoder.next(), "cut \(cut)")
      #expect(decoded == request, "cut \(cut)")
    }
  }

  @Test func requestWithoutExtensionsIsThe34Bytes() throws {
    let request = Request(version: .v2, arguments: Self.arguments, source: Array("int x;\n".utf8))
    let bytes = try request.encoded()
    #expect(Array(bytes[12..<16]) == Array("ARGC".utf8))
    #expect(!bytes.indices.dropLast(3).contains { Array(bytes[$0..<$0 + 4]) == Array("XREQ".utf8) })
  }

  @Test func identityGoesWithItsExtension() {
    var request = Request(version: .v2, arguments: Self.arguments)
    request.compilerIdentity = Array("gcc".utf8)
    #expect(throws: DistProtocolError.self) { try request.encoded() }
    request.compilerIdentity = nil
    request.extensions = .compilerIdentity
    #expect(throws: DistProtocolError.self) { try request.encoded() }
  }

  @Test func announcementIsOneWholeXCAPPacket() {
    let announced: Extensions = [.zstd, .directivesOnly]
    #expect(announced.announcementPacket == Array("XCAP00000005".utf8))
    #expect(Extensions(announcement: announced.announcementPacket) == announced)
    #expect(Extensions(announcement: Array("XCAP0000000".utf8)) == nil)
    #expect(Extensions(announcement: Array("DONE00000002".utf8)) == nil)
    #expect(Extensions(announcement: Array("XCAPzzzzzzzz".utf8)) == nil)
    #expect(Extensions([.zstd, .compilerIdentity]).description == "zstd,compiler-identity")
    #expect(Extensions.rewrittenIncludes.announcementPacket == Array("XCAP00000008".utf8))
    #expect(
      Extensions([.compilerIdentity, .rewrittenIncludes]).description
        == "compiler-identity,rewritten-includes")
  }

  @Test func responseDecoderTakesTheAnnouncementAfterTheReply() throws {
    let response = Response(version: .v2, status: .success, object: Array("obj".utf8))
    let announced: Extensions = [.compilerIdentity]
    var decoder = ResponseDecoder(expecting: .v2)
    #expect(decoder.takeAnnouncement() == nil)
    decoder.append(try response.encoded() + announced.announcementPacket)
    #expect(try decoder.next() == response)
    #expect(decoder.takeAnnouncement() == announced)
    #expect(decoder.isAtMessageBoundary)
    // A 3.4 daemon: nothing after the reply.
    var plain = ResponseDecoder(expecting: .v2)
    plain.append(try response.encoded())
    #expect(try plain.next() == response)
    #expect(plain.takeAnnouncement() == nil)
  }
}

/// The trailer our daemon writes after every complete reply (`XCAP`, then `SCID` with the compiler-identity
/// bit): complete only once all of it is there, wherever the stream is cut.
@Suite struct ReplyTrailerTests {
  let response = Response(version: .v2, status: .success, object: Array("obj".utf8))

  @Test func trailerWithIdentityIsCompleteOnlyWhenAllOfItArrived() throws {
    let trailer = ReplyTrailer(
      extensions: [.zstd, .compilerIdentity],
      compilerIdentity: Array("gcc 12.2.0 x86_64-linux-gnu 0123456789abcdef".utf8))
    #expect(Array(trailer.encoded[0..<24]) == Array("XCAP00000003SCID0000002c".utf8))
    let reply = try response.encoded()
    let bytes = reply + trailer.encoded
    for cut in reply.count..<bytes.count {
      var decoder = ResponseDecoder(expecting: .v2)
      decoder.append(bytes[..<cut])
      #expect(try decoder.next() == response, "cut \(cut)")
      #expect(decoder.takeTrailer() == .incomplete, "cut \(cut)")
      decoder.append(bytes[cut...])
      #expect(decoder.takeTrailer() == .complete(trailer), "cut \(cut)")
      #expect(decoder.isAtMessageBoundary)
    }
  }

  @Test func identityIsSentExactlyWithItsBit() throws {
    let unknown = ReplyTrailer(extensions: .compilerIdentity)
    #expect(unknown.encoded == Array("XCAP00000002SCID00000000".utf8))
    let plain = ReplyTrailer(extensions: .zstd, compilerIdentity: Array("gcc".utf8))
    #expect(plain.compilerIdentity == nil)
    #expect(plain.encoded == Array("XCAP00000001".utf8))
    var decoder = ResponseDecoder(expecting: .v2)
    decoder.append(try response.encoded() + plain.encoded)
    _ = try decoder.next()
    #expect(decoder.takeTrailer() == .complete(plain))
  }

  @Test func bytesThatAreNoTrailerAreAbsentNotAwaited() throws {
    for junk in ["DONE00000002", "XCAPzzzzzzzz", "XCAQ", "XCAP00000002DOTO00000000"] {
      var decoder = ResponseDecoder(expecting: .v2)
      decoder.append(try response.encoded() + Array(junk.utf8))
      _ = try decoder.next()
      #expect(decoder.takeTrailer() == .absent, "\(junk)")
    }
    // An XCAP with the identity bit and no SCID (then the end of the stream): what it announced, identity
    // unknown.
    var older = ResponseDecoder(expecting: .v2)
    older.append(try response.encoded() + Array("XCAP00000003".utf8))
    _ = try older.next()
    #expect(older.takeTrailer() == .incomplete)
    #expect(older.announcementSoFar == ReplyTrailer(extensions: [.zstd, .compilerIdentity]))
    #expect(older.announcementSoFar?.compilerIdentity == [])
    // A 3.4 daemon: nothing after the reply, so far.
    var decoder = ResponseDecoder(expecting: .v2)
    decoder.append(try response.encoded())
    _ = try decoder.next()
    #expect(decoder.takeTrailer() == .incomplete)
  }
}
