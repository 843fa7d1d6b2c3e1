import Testing

@testable import DistProtocol

/// The captures printed in `protocol.md` §13, rebuilt byte for byte.
@Suite struct ReferenceCaptureTests {
  static let helloSource = Array(
    ascii: """
      # 0 "hello.c"
      # 0 "<built-in>"
      # 0 "<command-line>"
      # 1 "/usr/include/stdc-predef.h" 1 3 4
      # 0 "<command-line>" 2
      # 1 "hello.c"
      int puts(const char *);
      int main(void) { puts("hello"); return 0; }

      """)

  static let helloRequest = Request(
    version: .v1,
    arguments: ["x86_64-linux-gnu-gcc", "-c", "hello.c", "-o", "hello.o"].map { Array(ascii: $0) },
    source: helloSource)

  @Test func decodesTheProtocol1RequestOf13_1() throws {
    let bytes = try Fixtures.bytes("reference-13.1-request-v1.bin")
    #expect(bytes.count == 330)
    var decoder = RequestDecoder()
    decoder.append(bytes)
    let request = try #require(try decoder.next())
    #expect(request == Self.helloRequest)
    #expect(request.source.count == 0xc4)
    try decoder.finish()
  }

  @Test func encodesTheProtocol1RequestOf13_1() throws {
    #expect(try Self.helloRequest.encoded() == Fixtures.bytes("reference-13.1-request-v1.bin"))
  }

  /// §13.2's failing compile: `DONE1 STAT100 SERR58 <88 bytes> SOUT0 DOTO0`.
  @Test func failingCompileResponseShapeOf13_2() throws {
    let diagnostics = [UInt8](repeating: UInt8(ascii: "e"), count: 0x58)
    let response = Response(version: .v1, status: .exited(1), stderr: diagnostics)
    let bytes = try response.encoded()
    #expect(Array(bytes[0..<36]) == Array(ascii: "DONE00000001STAT00000100SERR00000058"))
    #expect(Array(bytes[(36 + 0x58)...]) == Array(ascii: "SOUT00000000DOTO00000000"))
    var decoder = ResponseDecoder(expecting: .v1)
    decoder.append(bytes)
    #expect(try decoder.next() == response)
  }
}
