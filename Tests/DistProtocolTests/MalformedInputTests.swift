import Testing

@testable import DistProtocol

/// Every kind of bad input maps to its specific typed error, at the right byte.
struct Malformed: Sendable, CustomTestStringConvertible {
  var label: String
  var bytes: [UInt8]
  var expected: DistProtocolError
  /// The version a response decoder expects.
  var version: ProtocolVersion = .v2
  var testDescription: String { label }
}

/// Small limits so that "one over" cases stay small.
let smallLimits = DecodingLimits(
  maxArguments: 4, maxArgumentLength: 16, maxBodyLength: 64, maxDecompressedLength: 100,
  maxFiles: 2,
  maxNameLength: 20, maxMessageLength: 1000)

private let argvHeader =
  packet("DIST", 2) + packet("ARGC", 1) + packet("ARGV", body: Array(ascii: "cc"))
private let v3Header =
  packet("DIST", 3) + packet("CDIR", body: Array(ascii: "/w")) + packet("ARGC", 1)
  + packet("ARGV", body: Array(ascii: "cc"))

/// An LZO stream whose match reaches back before the start of the output (LZO_E_LOOKBEHIND_OVERRUN).
private let lookbehindLZO: [UInt8] = [0x12, 0x61, 0x5c, 0x00, 0x11, 0x00, 0x00]
/// A valid stream of 100 zero bytes, LZO1X-1.
private let hundredZeros = LZO.compress([UInt8](repeating: 0, count: 100))
private let hundredAndOneZeros = LZO.compress([UInt8](repeating: 0, count: 101))

let malformedRequests: [Malformed] = [
  Malformed(
    label: "junk instead of DIST", bytes: Array(ascii: "JUNKJUNKJUNK"),
    expected: .unexpectedToken(expected: .dist, found: "JUNK", offset: 0)),
  Malformed(
    label: "lower-case token", bytes: Array(ascii: "dist00000001"),
    expected: .unexpectedToken(expected: .dist, found: "dist", offset: 0)),
  Malformed(
    label: "binary token", bytes: [0, 1, 0xff, 0x41] + Array(ascii: "00000001"),
    expected: .unexpectedToken(expected: .dist, found: "\\x00\\x01\\xffA", offset: 0)),
  Malformed(
    label: "non-hex DIST value", bytes: Array(ascii: "DIST0000000g"),
    expected: .badValue(token: .dist, text: "0000000g", offset: 4)),
  Malformed(
    label: "trailing blank in value", bytes: Array(ascii: "DIST0000001 "),
    expected: .badValue(token: .dist, text: "0000001 ", offset: 4)),
  Malformed(
    label: "all blanks value", bytes: Array(ascii: "DIST        "),
    expected: .badValue(token: .dist, text: "        ", offset: 4)),
  Malformed(
    label: "bare 0x prefix", bytes: Array(ascii: "DIST000000x1"),
    expected: .badValue(token: .dist, text: "000000x1", offset: 4)),
  Malformed(
    label: "version 4", bytes: packet("DIST", 4), expected: .unsupportedVersion(4)),
  Malformed(
    label: "version ffffffff", bytes: packet("DIST", 0xffff_ffff),
    expected: .unsupportedVersion(0xffff_ffff)),
  Malformed(
    label: "non-hex ARGV length",
    bytes: packet("DIST", 1) + packet("ARGC", 1) + Array(ascii: "ARGV0000000z"),
    expected: .badValue(token: .argv, text: "0000000z", offset: 28)),
  Malformed(
    label: "ARGC one over the limit", bytes: packet("DIST", 1) + packet("ARGC", 5),
    expected: .limitExceeded(token: .argc, value: 5, limit: 4, offset: 12)),
  Malformed(
    label: "ARGV ffffffff",
    bytes: packet("DIST", 1) + packet("ARGC", 1) + packet("ARGV", 0xffff_ffff),
    expected: .limitExceeded(token: .argv, value: 0xffff_ffff, limit: 16, offset: 24)),
  Malformed(
    label: "ARGV one over the limit",
    bytes: packet("DIST", 1) + packet("ARGC", 1) + packet("ARGV", 17),
    expected: .limitExceeded(token: .argv, value: 17, limit: 16, offset: 24)),
  Malformed(
    label: "DOTI one over the body limit", bytes: argvHeader + packet("DOTI", 65),
    expected: .limitExceeded(token: .doti, value: 65, limit: 64, offset: argvHeader.count)),
  Malformed(
    label: "plain DOTI one over the content limit",
    bytes: packet("DIST", 1) + packet("ARGC", 1) + packet("ARGV", body: Array(ascii: "cc"))
      + packet("DOTI", 65),
    expected: .limitExceeded(token: .doti, value: 65, limit: 64, offset: argvHeader.count)),
  Malformed(
    label: "DOTI decompressing one byte over the limit",
    bytes: argvHeader + packet("DOTI", body: hundredAndOneZeros),
    expected: .decodedBodyTooLarge(.lzo, token: .doti, limit: 100)),
  Malformed(
    label: "corrupt LZO: match before the start",
    bytes: argvHeader + packet("DOTI", body: lookbehindLZO),
    expected: .corruptBody(.lzo, token: .doti, reason: "-6")),
  Malformed(
    label: "corrupt LZO: stream cut short",
    bytes: argvHeader + packet("DOTI", body: Array(hundredZeros.dropLast())),
    expected: .corruptBody(.lzo, token: .doti, reason: "-4")),
  Malformed(
    label: "corrupt LZO: bytes after the end marker",
    bytes: argvHeader + packet("DOTI", body: hundredZeros + [0]),
    expected: .corruptBody(.lzo, token: .doti, reason: "-8")),
  Malformed(
    label: "NFIL in protocol 2", bytes: argvHeader + packet("NFIL", 0),
    expected: .unexpectedToken(expected: .doti, found: "NFIL", offset: argvHeader.count)),
  Malformed(
    label: "DOTI in protocol 3", bytes: v3Header + packet("DOTI", 0),
    expected: .unexpectedToken(expected: .nfil, found: "DOTI", offset: v3Header.count)),
  Malformed(
    label: "protocol 3 without CDIR", bytes: packet("DIST", 3) + packet("ARGC", 1),
    expected: .unexpectedToken(expected: .cdir, found: "ARGC", offset: 12)),
  Malformed(
    label: "CDIR one over the name limit", bytes: packet("DIST", 3) + packet("CDIR", 21),
    expected: .limitExceeded(token: .cdir, value: 21, limit: 20, offset: 12)),
  Malformed(
    label: "NFIL one over the limit", bytes: v3Header + packet("NFIL", 3),
    expected: .limitExceeded(token: .nfil, value: 3, limit: 2, offset: v3Header.count)),
  Malformed(
    label: "NAME one over the limit", bytes: v3Header + packet("NFIL", 1) + packet("NAME", 21),
    expected: .limitExceeded(token: .name, value: 21, limit: 20, offset: v3Header.count + 12)),
  Malformed(
    label: "DOTI where FILE or LINK belongs",
    bytes: v3Header + packet("NFIL", 1) + packet("NAME", body: Array(ascii: "/a"))
      + packet("DOTI", 0),
    expected: .expectedFileOrLink(found: "DOTI", offset: v3Header.count + 26)),
  Malformed(
    label: "FILE without NAME", bytes: v3Header + packet("NFIL", 1) + packet("FILE", 0),
    expected: .unexpectedToken(expected: .name, found: "FILE", offset: v3Header.count + 12)),
  Malformed(
    label: "LINK one over the name limit",
    bytes: v3Header + packet("NFIL", 1) + packet("NAME", body: Array(ascii: "/a"))
      + packet("LINK", 21),
    expected: .limitExceeded(token: .link, value: 21, limit: 20, offset: v3Header.count + 26)),
  Malformed(
    label: "FILE one over the body limit",
    bytes: v3Header + packet("NFIL", 1) + packet("NAME", body: Array(ascii: "/a"))
      + packet("FILE", 65),
    expected: .limitExceeded(token: .file, value: 65, limit: 64, offset: v3Header.count + 26)),
  Malformed(
    label: "FILE decompressing one byte over the limit",
    bytes: v3Header + packet("NFIL", 1) + packet("NAME", body: Array(ascii: "/a"))
      + packet("FILE", body: hundredAndOneZeros),
    expected: .decodedBodyTooLarge(.lzo, token: .file, limit: 100)),
  Malformed(
    label: "corrupt FILE",
    bytes: v3Header + packet("NFIL", 1) + packet("NAME", body: Array(ascii: "/a"))
      + packet("FILE", body: lookbehindLZO),
    expected: .corruptBody(.lzo, token: .file, reason: "-6")),
]

private let successHeader = packet("DONE", 2) + packet("STAT", 0)

let malformedResponses: [Malformed] = [
  Malformed(
    label: "wrong DONE version", bytes: packet("DONE", 1),
    expected: .versionMismatch(expected: .v2, found: 1)),
  Malformed(
    label: "DONE 0 to a protocol 2 request", bytes: packet("DONE", 0),
    expected: .versionMismatch(expected: .v2, found: 0)),
  Malformed(
    label: "DIST instead of DONE", bytes: packet("DIST", 2),
    expected: .unexpectedToken(expected: .done, found: "DIST", offset: 0)),
  Malformed(
    label: "non-hex STAT", bytes: packet("DONE", 2) + Array(ascii: "STATxyz00000"),
    expected: .badValue(token: .stat, text: "xyz00000", offset: 16)),
  Malformed(
    label: "SERR ffffffff", bytes: successHeader + packet("SERR", 0xffff_ffff),
    expected: .limitExceeded(token: .serr, value: 0xffff_ffff, limit: 64, offset: 24)),
  Malformed(
    label: "SOUT one over", bytes: successHeader + packet("SERR", 0) + packet("SOUT", 65),
    expected: .limitExceeded(token: .sout, value: 65, limit: 64, offset: 36)),
  Malformed(
    label: "DOTO one over",
    bytes: successHeader + packet("SERR", 0) + packet("SOUT", 0) + packet("DOTO", 65),
    expected: .limitExceeded(token: .doto, value: 65, limit: 64, offset: 48)),
  Malformed(
    label: "DOTO body with a failing STAT",
    bytes: packet("DONE", 2) + packet("STAT", 0x100) + packet("SERR", 0) + packet("SOUT", 0)
      + packet("DOTO", 5),
    expected: .outputWithFailedStatus(status: .exited(1), length: 5, offset: 48)),
  Malformed(
    label: "DOTO body with a signal STAT",
    bytes: packet("DONE", 2) + packet("STAT", 11) + packet("SERR", 0) + packet("SOUT", 0)
      + packet("DOTO", 1),
    expected: .outputWithFailedStatus(status: .signaled(11), length: 1, offset: 48)),
  Malformed(
    label: "corrupt SERR", bytes: successHeader + packet("SERR", body: lookbehindLZO),
    expected: .corruptBody(.lzo, token: .serr, reason: "-6")),
  Malformed(
    label: "DOTO decompressing one byte over the limit",
    bytes: successHeader + packet("SERR", 0) + packet("SOUT", 0)
      + packet("DOTO", body: hundredAndOneZeros),
    expected: .decodedBodyTooLarge(.lzo, token: .doto, limit: 100)),
  Malformed(
    label: "DOTD after a protocol 2 reply",
    bytes: successHeader + packet("SERR", 0) + packet("SOUT", 0) + packet("DOTO", 0)
      + packet("DOTD", 0),
    expected: .unexpectedToken(expected: .done, found: "DOTD", offset: 60)),
  Malformed(
    label: "DOTD after a protocol 3 failure",
    bytes: packet("DONE", 3) + packet("STAT", 0x100) + packet("SERR", 0) + packet("SOUT", 0)
      + packet("DOTO", 0) + packet("DOTD", 0),
    expected: .unexpectedToken(expected: .done, found: "DOTD", offset: 60), version: .v3),
  Malformed(
    label: "protocol 3 success without DOTD",
    bytes: packet("DONE", 3) + packet("STAT", 0) + packet("SERR", 0) + packet("SOUT", 0)
      + packet("DOTO", 0) + packet("DONE", 3),
    expected: .unexpectedToken(expected: .dotd, found: "DONE", offset: 60), version: .v3),
  Malformed(
    label: "DOTD one over",
    bytes: packet("DONE", 3) + packet("STAT", 0) + packet("SERR", 0) + packet("SOUT", 0)
      + packet("DOTO", 0) + packet("DOTD", 65),
    expected: .limitExceeded(token: .dotd, value: 65, limit: 64, offset: 60), version: .v3),
  Malformed(
    label: "corrupt DOTD",
    bytes: packet("DONE", 3) + packet("STAT", 0) + packet("SERR", 0) + packet("SOUT", 0)
      + packet("DOTO", 0) + packet("DOTD", body: lookbehindLZO),
    expected: .corruptBody(.lzo, token: .dotd, reason: "-6"), version: .v3),
  Malformed(
    label: "protocol 1 reply to a protocol 3 request", bytes: packet("DONE", 1),
    expected: .versionMismatch(expected: .v3, found: 1), version: .v3),
]

@Suite struct MalformedInputTests {
  @Test(arguments: malformedRequests)
  func requestErrorIsSpecific(_ row: Malformed) {
    // Whole, and one byte at a time: the error must not depend on how the input is split.
    for chunk in [Int.max, 1] {
      let thrown = error { () throws(DistProtocolError) in
        try decodeAll(RequestDecoder(limits: smallLimits), row.bytes, chunkSizes: [chunk])
      }
      #expect(thrown == row.expected, "chunk \(chunk)")
    }
  }

  @Test(arguments: malformedResponses)
  func responseErrorIsSpecific(_ row: Malformed) {
    for chunk in [Int.max, 1] {
      let thrown = error { () throws(DistProtocolError) in
        try decodeAll(
          ResponseDecoder(expecting: row.version, limits: smallLimits), row.bytes,
          chunkSizes: [chunk])
      }
      #expect(thrown == row.expected, "chunk \(chunk)")
    }
  }

  /// Each item within its limit, but together over the message limit: refused at the item that
  /// crosses it, plain or compressed.
  @Test func messageLimitCapsTheSumOfAllItems() throws {
    let limits = DecodingLimits(
      maxArguments: 100, maxArgumentLength: 100, maxBodyLength: 1000, maxDecompressedLength: 1000,
      maxFiles: 100, maxNameLength: 100, maxMessageLength: 250)
    let arguments = (0..<3).flatMap { _ in
      packet("ARGV", body: [UInt8](repeating: 0x61, count: 100))
    }
    let tooManyArguments = error { () throws(DistProtocolError) in
      try decodeAll(
        RequestDecoder(limits: limits), packet("DIST", 1) + packet("ARGC", 3) + arguments)
    }
    #expect(tooManyArguments == .messageTooLarge(token: .argv, limit: 250, offset: 248))
    let zeros = LZO.compress([UInt8](repeating: 0, count: 200))
    let fileBytes =
      packet("DIST", 3) + packet("CDIR", body: [0x2f]) + packet("ARGC", 1)
      + packet("ARGV", body: [0x61]) + packet("NFIL", 2)
      + packet("NAME", body: [0x2f, 0x61]) + packet("FILE", body: zeros)
      + packet("NAME", body: [0x2f, 0x62]) + packet("FILE", body: zeros)
    let tooMuchContent = error { () throws(DistProtocolError) in
      try decodeAll(RequestDecoder(limits: limits), fileBytes)
    }
    #expect(
      tooMuchContent
        == .messageTooLarge(token: .file, limit: 250, offset: fileBytes.count - 12 - zeros.count))
    // The budget restarts with each message.
    let small = Request(version: .v1, arguments: [[UInt8](repeating: 0x61, count: 100)])
    var stream: [UInt8] = []
    for _ in 0..<3 { try? small.encode(into: &stream) }
    #expect(try decodeAll(RequestDecoder(limits: limits), stream).count == 3)
  }

  /// A header over a limit is refused as soon as its 12 bytes are in, before any body byte.
  @Test func oversizedLengthIsRefusedBeforeItsBodyArrives() {
    var decoder = RequestDecoder()
    decoder.append(packet("DIST", 1) + packet("ARGC", 1) + packet("ARGV", 0xffff_ffff))
    let thrown = error { () throws(DistProtocolError) in try decoder.next() }
    #expect(
      thrown
        == .limitExceeded(
          token: .argv, value: 0xffff_ffff,
          limit: DecodingLimits.daemonDefault.maxArgumentLength, offset: 24))
  }

  /// Exactly at each limit is accepted (the "one over" rows above are the other side).
  @Test func valuesAtTheLimitsAreAccepted() throws {
    let zeros = [UInt8](repeating: 0, count: 100)
    let request = Request(
      version: .v3, workingDirectory: [UInt8](repeating: 0x2f, count: 20),
      arguments: Array(repeating: [UInt8](repeating: 0x61, count: 16), count: 4),
      files: [
        IncludedFile(name: [UInt8](repeating: 0x2f, count: 20), content: .file(zeros)),
        IncludedFile(
          name: Array(ascii: "/l"), content: .link([UInt8](repeating: 0x61, count: 20))),
      ])
    #expect(try decodeAll(RequestDecoder(limits: smallLimits), request.encoded()) == [request])
    let plain = Request(version: .v1, arguments: [Array(ascii: "cc")], source: Array(zeros[..<64]))
    #expect(try decodeAll(RequestDecoder(limits: smallLimits), plain.encoded()) == [plain])
  }

  @Test func truncatedStreamNamesTheAwaitedToken() throws {
    var decoder = RequestDecoder()
    decoder.append(packet("DIST", 2) + packet("ARGC", 2) + packet("ARGV", body: Array(ascii: "cc")))
    #expect(try decoder.next() == nil)
    let thrown = error { () throws(DistProtocolError) in try decoder.finish() }
    #expect(thrown == .truncated(expecting: .argv, offset: 38))
    #expect(
      thrown?.description == "unexpected end of stream at byte 38 while reading token \"ARGV\"")
  }

  @Test func errorMessagesNameTokenValueAndOffset() {
    #expect(
      DistProtocolError.limitExceeded(token: .argv, value: 0xffff_ffff, limit: 16, offset: 24)
        .description == "ARGV at byte 24: value 4294967295 exceeds the limit of 16")
    #expect(
      DistProtocolError.badValue(token: .dist, text: "0000000g", offset: 4).description
        == "failed to parse parameter of token \"DIST\" at byte 4: \"0000000g\" is not 8 hex digits"
    )
    #expect(
      DistProtocolError.unexpectedToken(expected: .dist, found: "JUNK", offset: 0).description
        == "protocol derailment: expected token \"DIST\" at byte 0, found \"JUNK\"")
    #expect(
      DistProtocolError.versionMismatch(expected: .v2, found: 1).description
        == "got version 1 not 2 in response from server")
    #expect(
      DistProtocolError.outputWithFailedStatus(status: .exited(1), length: 5, offset: 48)
        .description
        == "DOTO at byte 48: remote compiler failed (exit code 1) but also returned 5 bytes of output"
    )
  }
}
