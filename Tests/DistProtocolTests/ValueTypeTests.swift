import Testing

@testable import DistProtocol

@Suite struct ValueTypeTests {
  /// `protocol.md` §5.
  @Test(arguments: [
    (WaitStatus.exited(0), UInt32(0), Int?(0), Int32?.none),
    (.exited(1), 0x100, 1, nil),
    (.exited(110), 0x6e00, 110, nil),
    (.exited(118), 0x7600, 118, nil),
    (.exited(107), 0x6b00, 107, nil),
    (.signaled(11), 0xb, nil, 11),
    (.signaled(11, coreDumped: true), 0x8b, nil, 11),
    (.signaled(9), 0x9, nil, 9),
  ])
  func waitStatusEncoding(status: WaitStatus, raw: UInt32, exitCode: Int?, signal: Int32?) {
    #expect(status.rawValue == raw)
    #expect(WaitStatus(rawValue: raw) == status)
    #expect(status.exitCode == exitCode)
    #expect(status.signal == signal)
    #expect(status.isSuccess == (raw == 0))
  }

  @Test func waitStatusDescriptions() {
    #expect(WaitStatus.exited(1).description == "exit code 1")
    #expect(WaitStatus.signaled(11, coreDumped: true).description == "signal 11 (core dumped)")
  }

  @Test(arguments: Token.allCases)
  func tokenBytesRoundTrip(token: Token) {
    #expect(token.bytes.count == 4)
    #expect(Token(bytes: token.bytes) == token)
    #expect(String(decoding: token.bytes, as: UTF8.self) == token.description)
  }

  @Test func unknownTokensAreNotRecognised() {
    #expect(Token(bytes: Array("JUNK".utf8)) == nil)
    #expect(Token(bytes: Array("dist".utf8)) == nil)
    #expect(Token(bytes: Array("DIS".utf8)) == nil)
  }

  @Test(arguments: [
    (UInt32(0), ProtocolVersion?.some(.v1)), (1, .v1), (2, .v2), (3, .v3), (4, nil),
  ])
  func distValuesMapLikeDistccd(value: UInt32, version: ProtocolVersion?) {
    #expect(ProtocolVersion(distValue: value) == version)
  }

  @Test func versionProperties() {
    #expect(!ProtocolVersion.v1.compressesBodies)
    #expect(ProtocolVersion.v2.compressesBodies && !ProtocolVersion.v2.serverPreprocesses)
    #expect(ProtocolVersion.v3.compressesBodies && ProtocolVersion.v3.serverPreprocesses)
  }
}
