import Testing

@testable import DistProtocol

/// One request/response pair recorded between Debian's distcc 3.4 and distccd 3.4 (`Fixtures/record.py`).
struct Capture: Sendable, CustomTestStringConvertible {
  var name: String
  var version: ProtocolVersion
  var testDescription: String { name }

  func request() throws -> [UInt8] { try Fixtures.bytes("\(name).request.bin") }
  func response() throws -> [UInt8] { try Fixtures.bytes("\(name).response.bin") }

  static let all: [Capture] = [
    Capture(name: "v1-hello", version: .v1),
    Capture(name: "v1-syntax-error", version: .v1),
    Capture(name: "v2-hello", version: .v2),
    Capture(name: "v2-syntax-error", version: .v2),
    Capture(name: "v2-warning", version: .v2),
    Capture(name: "v2-cxx", version: .v2),
    Capture(name: "v2-md-mf", version: .v2),
    Capture(name: "v3-pump", version: .v3),
  ]
}

@Suite struct CaptureTests {
  @Test(arguments: Capture.all)
  func requestDecodesAndReencodesByteForByte(capture: Capture) throws {
    let bytes = try capture.request()
    let requests = try decodeAll(RequestDecoder(), bytes)
    let request = try #require(requests.first)
    #expect(requests.count == 1)
    #expect(request.version == capture.version)
    #expect(try request.encoded() == bytes)
  }

  @Test(arguments: Capture.all)
  func responseDecodesAndReencodesByteForByte(capture: Capture) throws {
    let bytes = try capture.response()
    let responses = try decodeAll(ResponseDecoder(expecting: capture.version), bytes)
    let response = try #require(responses.first)
    #expect(responses.count == 1)
    #expect(try response.encoded() == bytes)
  }

  @Test(arguments: Capture.all)
  func requestDecodesWhenSplitAtEveryOffset(capture: Capture) throws {
    let bytes = try capture.request()
    let whole = try decodeAll(RequestDecoder(), bytes)
    for split in 0...bytes.count {
      #expect(try decodeAll(RequestDecoder(), bytes, chunkSizes: [split, bytes.count]) == whole)
    }
    #expect(try decodeAll(RequestDecoder(), bytes, chunkSizes: [1]) == whole)
  }

  @Test(arguments: Capture.all)
  func responseDecodesWhenSplitAtEveryOffset(capture: Capture) throws {
    let bytes = try capture.response()
    let decoder = ResponseDecoder(expecting: capture.version)
    let whole = try decodeAll(decoder, bytes)
    for split in 0...bytes.count {
      #expect(try decodeAll(decoder, bytes, chunkSizes: [split, bytes.count]) == whole)
    }
    #expect(try decodeAll(decoder, bytes, chunkSizes: [1]) == whole)
  }

  /// Cuts `bytes` at every length; `decodePrefix` (which decodes a prefix and finishes) must report the
  /// message truncated at exactly that byte.
  static func expectTruncationReported(
    _ bytes: [UInt8], _ name: String,
    _ decodePrefix: (ArraySlice<UInt8>) throws -> DistProtocolError?
  ) throws {
    for length in 1..<bytes.count {
      let thrown = try decodePrefix(bytes[..<length])
      guard case .truncated(_, let offset) = thrown, offset == length else {
        Issue.record("\(name) cut at \(length): \(String(describing: thrown))")
        continue
      }
    }
  }

  @Test(arguments: Capture.all)
  func requestTruncatedAtEveryByteIsReportedAtThatByte(capture: Capture) throws {
    try Self.expectTruncationReported(try capture.request(), capture.name) {
      (prefix) throws -> DistProtocolError? in
      var decoder = RequestDecoder()
      decoder.append(prefix)
      #expect(try decoder.next() == nil)
      return error { () throws(DistProtocolError) in try decoder.finish() }
    }
  }

  @Test(arguments: Capture.all)
  func responseTruncatedAtEveryByteIsReportedAtThatByte(capture: Capture) throws {
    try Self.expectTruncationReported(try capture.response(), capture.name) {
      (prefix) throws -> DistProtocolError? in
      var decoder = ResponseDecoder(expecting: capture.version)
      decoder.append(prefix)
      #expect(try decoder.next() == nil)
      return error { () throws(DistProtocolError) in try decoder.finish() }
    }
  }

  // MARK: What the captures say

  static func request(_ name: String) throws -> Request {
    try #require(try decodeAll(RequestDecoder(), Fixtures.bytes("\(name).request.bin")).first)
  }

  static func response(_ name: String, _ version: ProtocolVersion) throws -> Response {
    try #require(
      try decodeAll(ResponseDecoder(expecting: version), Fixtures.bytes("\(name).response.bin"))
        .first)
  }

  @Test func protocol1And2CarryTheSameSourceAndObject() throws {
    let plain = try Self.request("v1-hello")
    let compressed = try Self.request("v2-hello")
    #expect(plain.source == compressed.source)
    #expect(plain.source.count == 196)
    #expect(plain.arguments == compressed.arguments)
    let object = try Self.response("v1-hello", .v1).object
    #expect(object.count == 1368)
    #expect(object.starts(with: [0x7f, 0x45, 0x4c, 0x46]))
    #expect(try Self.response("v2-hello", .v2).object == object)
  }

  @Test(arguments: ["v1-syntax-error", "v2-syntax-error"])
  func failedCompileHasExitCodeOneAndDiagnosticsButNoObject(name: String) throws {
    let response = try Self.response(name, name.hasPrefix("v1") ? .v1 : .v2)
    #expect(response.status == .exited(1))
    #expect(response.status.exitCode == 1)
    #expect(String(decoding: response.stderr, as: UTF8.self).contains("error"))
    #expect(response.object.isEmpty)
    #expect(response.dependencies == nil)
  }

  @Test func warningsArriveInStderrOfASuccessfulCompile() throws {
    let response = try Self.response("v2-warning", .v2)
    #expect(response.status.isSuccess)
    #expect(String(decoding: response.stderr, as: UTF8.self).contains("-Wunused-variable"))
    #expect(!response.object.isEmpty)
  }

  @Test func cxxRequestNamesTheCxxCompiler() throws {
    let request = try Self.request("v2-cxx")
    #expect(request.arguments.first == Array(ascii: "x86_64-linux-gnu-g++"))
    #expect(String(decoding: request.source, as: UTF8.self).contains("struct Greeter"))
  }

  @Test func protocol2ClientKeepsDependencyOptionsLocal() throws {
    let request = try Self.request("v2-md-mf")
    #expect(!request.arguments.contains(Array(ascii: "-MD")))
    #expect(!request.arguments.contains(Array(ascii: "-MF")))
  }

  @Test func protocol3CarriesDirectoryFilesLinkAndDependencies() throws {
    let request = try Self.request("v3-pump")
    #expect(request.workingDirectory == Array(ascii: "/tmp/distproto-rec/pump"))
    #expect(
      request.arguments.map { String(decoding: $0, as: UTF8.self) } == [
        "x86_64-linux-gnu-gcc", "-c", "p.c", "-o", "p.o", "-MD", "-MT", "p.o",
      ])
    #expect(request.source.isEmpty)
    #expect(
      request.files == [
        IncludedFile(
          name: Array(ascii: "/tmp/distproto-rec/pump/p.c"),
          content: .file(
            Array(
              ascii:
                "#include \"inc/greet.h\"\n#include \"alias.h\"\nint main(void) { return GREETING; }\n"
            ))),
        IncludedFile(
          name: Array(ascii: "/tmp/distproto-rec/pump/inc/greet.h"),
          content: .file(Array(ascii: "#pragma once\n#define GREETING 0\n"))),
        IncludedFile(
          name: Array(ascii: "/tmp/distproto-rec/pump/alias.h"),
          content: .link(Array(ascii: "inc/greet.h"))),
      ])
    let response = try Self.response("v3-pump", .v3)
    #expect(response.status.isSuccess)
    #expect(
      response.dependencies == Array(ascii: "p.o: p.c /usr/include/stdc-predef.h inc/greet.h\n"))
  }
}
