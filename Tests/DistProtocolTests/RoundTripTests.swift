import DistTestSupport
import Testing

@testable import DistProtocol

/// Generated messages survive encode → decode, whatever the chunking.
@Suite struct RoundTripTests {
  static func randomBytes(_ generator: inout SeededGenerator, upTo maxCount: Int) -> [UInt8] {
    let count = Int.random(in: 0...maxCount, using: &generator)
    switch Int.random(in: 0..<3, using: &generator) {
    case 0: return .random(count: count, using: &generator)
    case 1:  // compressible text
      let words = ["int ", "main", "(void)", " {", "}\n", "#include ", "<stdio.h>", "\t"]
      var text: [UInt8] = []
      while text.count < count { text += Array(words.randomElement(using: &generator)!.utf8) }
      return Array(text.prefix(count))
    default:  // long runs
      return [UInt8](repeating: UInt8.random(in: 0...255, using: &generator), count: count)
    }
  }

  static func randomRequest(_ generator: inout SeededGenerator) -> Request {
    let version = ProtocolVersion.allCases.randomElement(using: &generator)!
    let arguments = (0..<Int.random(in: 1...12, using: &generator)).map { _ in
      randomBytes(&generator, upTo: 40)
    }
    guard version == .v3 else {
      return Request(
        version: version, isVersionZero: version == .v1 && Bool.random(using: &generator),
        arguments: arguments, source: randomBytes(&generator, upTo: 5000))
    }
    let files = (0..<Int.random(in: 0...6, using: &generator)).map { _ in
      IncludedFile(
        name: Array("/src/".utf8) + randomBytes(&generator, upTo: 30),
        content: Bool.random(using: &generator)
          ? .file(randomBytes(&generator, upTo: 3000)) : .link(randomBytes(&generator, upTo: 30)))
    }
    return Request(
      version: .v3, workingDirectory: Array("/".utf8) + randomBytes(&generator, upTo: 30),
      arguments: arguments, files: files)
  }

  static func randomResponse(_ generator: inout SeededGenerator, version: ProtocolVersion)
    -> Response
  {
    let statuses: [WaitStatus] = [.success, .success, .exited(1), .exited(110), .signaled(11)]
    let status = statuses.randomElement(using: &generator)!
    return Response(
      version: version, status: status, stderr: randomBytes(&generator, upTo: 2000),
      stdout: randomBytes(&generator, upTo: 200),
      object: status.isSuccess ? randomBytes(&generator, upTo: 8000) : [],
      dependencies: status.isSuccess && version == .v3 ? randomBytes(&generator, upTo: 300) : nil)
  }

  static let seeds: [UInt64] = Array(1...40)

  @Test(arguments: seeds)
  func requestsRoundTrip(seed: UInt64) throws {
    var generator = SeededGenerator(seed: seed)
    let request = Self.randomRequest(&generator)
    let bytes = try request.encoded()
    let chunks = (0..<5).map { _ in Int.random(in: 1...700, using: &generator) }
    #expect(try decodeAll(RequestDecoder(), bytes, chunkSizes: chunks) == [request])
  }

  @Test(arguments: seeds)
  func responsesRoundTrip(seed: UInt64) throws {
    var generator = SeededGenerator(seed: seed)
    for version in ProtocolVersion.allCases {
      let response = Self.randomResponse(&generator, version: version)
      let bytes = try response.encoded()
      let chunks = (0..<5).map { _ in Int.random(in: 1...700, using: &generator) }
      #expect(
        try decodeAll(ResponseDecoder(expecting: version), bytes, chunkSizes: chunks) == [response])
    }
  }

  /// Several messages back to back on one stream decode one after another.
  @Test func consecutiveMessagesDecodeInOrder() throws {
    var generator = SeededGenerator(seed: 99)
    let requests = (0..<10).map { _ in Self.randomRequest(&generator) }
    var stream: [UInt8] = []
    for request in requests { try request.encode(into: &stream) }
    #expect(try decodeAll(RequestDecoder(), stream, chunkSizes: [3, 1000, 17]) == requests)
  }

  /// A large body fed in small chunks (the decoder keeps a read index; no quadratic copying).
  @Test func largeBodyFedInSmallChunks() throws {
    var generator = SeededGenerator(seed: 7)
    let source = [UInt8].random(count: 1 << 20, using: &generator)
    for version in [ProtocolVersion.v1, .v2] {
      let request = Request(version: version, arguments: [Array("cc".utf8)], source: source)
      #expect(try decodeAll(RequestDecoder(), request.encoded(), chunkSizes: [61]) == [request])
    }
  }

  /// `DIST 00000000` is served as protocol 1, and the reply can say `DONE 00000000`, as distccd 3.4 does.
  @Test func versionZeroIsProtocolOneAndEchoedInTheReply() throws {
    let bytes =
      packet("DIST", 0) + packet("ARGC", 1) + packet("ARGV", body: Array("cc".utf8))
      + packet("DOTI", body: Array("x".utf8))
    let request = try #require(try decodeAll(RequestDecoder(), bytes).first)
    #expect(request.version == .v1)
    #expect(request.isVersionZero)
    #expect(request.distValue == 0)
    #expect(try request.encoded() == bytes)
    let response = Response(
      version: request.version, isVersionZero: request.isVersionZero, status: .success)
    #expect(try response.encoded().starts(with: Array("DONE00000000STAT00000000".utf8)))
  }

  /// Upper-case digits and the other spellings C `strtoul` accepts in 8 characters are tolerated.
  @Test(
    arguments: [
      ("0000001A", 26), ("0000001a", 26), ("       1", 1), ("+0000001", 1), ("0x00001a", 26),
      ("0X00001A", 26), ("-0000001", 0xffff_ffff), (" -0x0001", 0xffff_ffff),
      ("FFFFFFFF", 0xffff_ffff),
    ] as [(String, UInt32)])
  func headerValuesAreParsedLikeStrtoul(text: String, value: UInt32) throws {
    #expect(PacketReader.parseHex(ArraySlice(text.utf8)) == value)
    let bytes = Array("DOTI".utf8) + Array(text.utf8)
    var decoder = RequestDecoder()
    decoder.append(packet("DIST", 1) + packet("ARGC", 1) + packet("ARGV", body: [0x61]))
    decoder.append(bytes)
    if value <= 0x100 {
      decoder.append([UInt8](repeating: 0x62, count: Int(value)))
      #expect(try decoder.next()?.source.count == Int(value))
    } else {
      #expect(throws: DistProtocolError.self) { try decoder.next() }
    }
  }

  @Test(arguments: [
    "0000001g", "        ", "0x      ", "0000001 ", "000000x1", "--000001", "0x+00001",
  ])
  func malformedHeaderValuesAreRejected(text: String) {
    #expect(PacketReader.parseHex(ArraySlice(text.utf8)) == nil)
  }

  @Test func encoderEmitsLowerCaseHex() {
    var output: [UInt8] = []
    PacketWriter.appendValue(.doti, 0xABCD_EF01, to: &output)
    #expect(output == Array("DOTIabcdef01".utf8))
  }

  @Test func emptyBulkBodyIsLengthZeroWithoutLZOBytes() {
    for version in ProtocolVersion.allCases {
      var output: [UInt8] = []
      PacketWriter.appendBulk(.serr, [], version: version, to: &output)
      #expect(output == Array("SERR00000000".utf8))
    }
  }

  @Test func bulkBodyIsCompressedFromProtocol2On() throws {
    let text = Array("hello hello hello hello".utf8)
    var plain: [UInt8] = []
    PacketWriter.appendBulk(.doti, text, version: .v1, to: &plain)
    #expect(plain == packet("DOTI", body: text))
    var compressed: [UInt8] = []
    PacketWriter.appendBulk(.doti, text, version: .v2, to: &compressed)
    #expect(compressed == packet("DOTI", body: [0x28] + text + [0x11, 0, 0]))
  }

  /// An empty file may arrive as length 0 or as the 3-byte LZO stream of empty input; both are empty.
  @Test(arguments: [[], [0x11, 0x00, 0x00]] as [[UInt8]])
  func emptyFileBodiesDecodeToEmptyContent(body: [UInt8]) throws {
    let bytes =
      packet("DIST", 3) + packet("CDIR", body: [0x2f]) + packet("ARGC", 1)
      + packet("ARGV", body: [0x61]) + packet("NFIL", 1) + packet("NAME", body: [0x2f, 0x65])
      + packet("FILE", body: body)
    let request = try #require(try decodeAll(RequestDecoder(), bytes).first)
    #expect(request.files == [IncludedFile(name: [0x2f, 0x65], content: .file([]))])
  }

  /// The `UnsafeRawBufferPointer` overload (what a socket read loop hands over) decodes the same.
  @Test(arguments: Capture.all)
  func rawBufferAppendDecodesTheSame(capture: Capture) throws {
    let bytes = try capture.response()
    var decoder = ResponseDecoder(expecting: capture.version)
    #expect(decoder.isAtMessageBoundary)
    var decoded: [Response] = []
    for start in stride(from: 0, to: bytes.count, by: 100) {
      bytes.withUnsafeBytes { raw in
        decoder.append(UnsafeRawBufferPointer(rebasing: raw[start..<min(bytes.count, start + 100)]))
      }
      if let response = try decoder.next() { decoded.append(response) }
    }
    #expect(decoder.isAtMessageBoundary)
    #expect(decoder.bytesReceived == bytes.count)
    #expect(decoded == (try decodeAll(ResponseDecoder(expecting: capture.version), bytes)))
  }
}
