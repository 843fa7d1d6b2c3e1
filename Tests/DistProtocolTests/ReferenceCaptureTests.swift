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

  /// §13.2 prints the head and tail of the protocol 1 reply (1428 bytes, `DOTO00000558`); our recording of
  /// the same compile matches both.
  @Test func protocol1ResponseMatchesTheVisibleBytesOf13_2() throws {
    let bytes = try Fixtures.bytes("v1-hello.response.bin")
    #expect(bytes.count == 1428)
    let head = hex(
      """
      444f 4e45 3030 3030 3030 3031 5354 4154
      3030 3030 3030 3030 5345 5252 3030 3030
      3030 3030 534f 5554 3030 3030 3030 3030
      444f 544f 3030 3030 3035 3538 7f45 4c46
      0201 0100 0000 0000 0000 0000 0100 3e00
      """)
    #expect(Array(bytes.prefix(head.count)) == head)
    let tail = hex(
      """
      0000 0000 6100 0000 0000 0000 0000 0000
      0000 0000 0100 0000 0000 0000 0000 0000
      0000 0000
      """)
    #expect(Array(bytes.suffix(tail.count)) == tail)
  }

  /// §13.3: the protocol 2 request carries `DOTI000000a5` ending in `11 00 00`, the reply `DOTO0000025f`.
  @Test func protocol2LengthsMatch13_3() throws {
    let request = try Fixtures.bytes("v2-hello.request.bin")
    #expect(request.count == 0x7a + 12 + 0xa5)
    #expect(request[0x7a..<0x86] == ArraySlice("DOTI000000a5".utf8))
    #expect(request.suffix(3) == [0x11, 0, 0])
    let response = try Fixtures.bytes("v2-hello.response.bin")
    #expect(response[0x30..<0x3c] == ArraySlice("DOTO0000025f".utf8))
    #expect(response.count == 0x3c + 0x25f)
  }

  /// The bytes of an `xxd`-style hex listing (white space ignored).
  private func hex(_ text: String) -> [UInt8] {
    let digits = Array(text.utf8.filter { $0 != 0x20 && $0 != 0x0a })
    return stride(from: 0, to: digits.count, by: 2).map {
      UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16) ?? 0
    }
  }
}
