import Testing

@testable import DistProtocol

/// A client streams a request: its head while the preprocessor runs, then the `DOTI` packet. The pieces
/// are the whole-message encoder's own, so they add up to the same bytes.
struct StreamedRequestTests {
  static let arguments = ["gcc", "-O2", "-c", "hello.c", "-o", "hello.o"].map { Array($0.utf8) }

  @Test(arguments: [ProtocolVersion.v1, .v2])
  func headThenSourcePacketIsTheWholeRequest(version: ProtocolVersion) throws {
    let source = Array(String(repeating: "int x; /* compressible */\n", count: 200).utf8)
    let request = Request(
      version: version, arguments: StreamedRequestTests.arguments, source: source)
    let head = try request.encodedHead()
    let packet = try Request.encodedSourcePacket(source, version: version)
    #expect(head + packet.header + packet.body == (try request.encoded()))
    #expect(
      head.starts(with: Array("DIST0000000\(version.rawValue)ARGC00000006ARGV00000003gcc".utf8)))
    #expect(packet.header.elementsEqual("DOTI".utf8 + Array(hex(packet.body.count).utf8)))
    #expect(version == .v1 ? packet.body == source : packet.body.count < source.count)
  }

  @Test func anEmptySourceIsAnEmptyPacketInEveryVersion() throws {
    for version in [ProtocolVersion.v1, .v2] {
      let packet = try Request.encodedSourcePacket([], version: version)
      #expect(packet.header == Array("DOTI00000000".utf8))
      #expect(packet.body.isEmpty)
    }
  }

  @Test func protocolThreeHeadCarriesTheWorkingDirectory() throws {
    let request = Request(
      version: .v3, workingDirectory: Array("/src".utf8), arguments: StreamedRequestTests.arguments)
    let head = try request.encodedHead()
    #expect(head.starts(with: Array("DIST00000003CDIR00000004/srcARGC00000006".utf8)))
    #expect(try request.encoded().starts(with: head))
  }

  @Test func headIsValidatedLikeTheWholeRequest() {
    #expect(throws: DistProtocolError.self) {
      try Request(version: .v2, arguments: []).encodedHead()
    }
    #expect(throws: DistProtocolError.self) {
      try Request(version: .v3, arguments: StreamedRequestTests.arguments).encodedHead()
    }
  }

  func hex(_ value: Int) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 8 - digits.count) + digits
  }
}
