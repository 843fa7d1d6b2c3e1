import Testing

@testable import DistProtocol

@Suite struct IncludeServerMessageTests {
  static let query = IncludeServerQuery(
    workingDirectory: Array("/tmp/src/pump".utf8),
    arguments: ["gcc", "-c", "p.c", "-o", "p.o"].map { Array($0.utf8) })

  @Test func queryIsCdirThenArguments() throws {
    let bytes = try Self.query.encoded()
    #expect(
      bytes
        == packet("CDIR", body: Array("/tmp/src/pump".utf8)) + packet("ARGC", 5)
        + Self.query.arguments.flatMap { packet("ARGV", body: $0) })
    for chunk in [1, 5, Int.max] {
      #expect(
        try decodeAll(IncludeServerQueryDecoder(), bytes, chunkSizes: [chunk]) == [Self.query])
    }
  }

  @Test(arguments: [0, 1, 3])
  func replyRoundTrips(count: Int) throws {
    let reply = IncludeServerReply(
      paths: (0..<count).map { Array("/dev/shm/tmpX.include_server-1-1/src/f\($0).h.lzo".utf8) })
    let bytes = try reply.encoded()
    #expect(bytes.prefix(12) == ArraySlice(packet("ARGC", UInt32(count))))
    #expect(try decodeAll(IncludeServerReplyDecoder(), bytes, chunkSizes: [1]) == [reply])
  }

  @Test func replyPathsAreBoundedByFileAndNameLimits() {
    let tooMany = error { () throws(DistProtocolError) in
      try decodeAll(IncludeServerReplyDecoder(limits: smallLimits), packet("ARGC", 3))
    }
    #expect(tooMany == .limitExceeded(token: .argc, value: 3, limit: 2, offset: 0))
    let tooLong = error { () throws(DistProtocolError) in
      try decodeAll(
        IncludeServerReplyDecoder(limits: smallLimits), packet("ARGC", 1) + packet("ARGV", 21))
    }
    #expect(tooLong == .limitExceeded(token: .argv, value: 21, limit: 20, offset: 12))
  }

  @Test func truncatedQueryNamesTheAwaitedToken() throws {
    var decoder = IncludeServerQueryDecoder()
    decoder.append(packet("CDIR", body: [0x2f]) + packet("ARGC", 2))
    #expect(try decoder.next() == nil)
    let thrown = error { () throws(DistProtocolError) in try decoder.finish() }
    #expect(thrown == .truncated(expecting: .argv, offset: 25))
  }
}
