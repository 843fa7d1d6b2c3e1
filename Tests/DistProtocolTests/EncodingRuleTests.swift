import Testing

@testable import DistProtocol

/// The encoder refuses messages a 3.4 peer would choke on, and leaves the output untouched when it does.
struct EncodingRule: Sendable, CustomTestStringConvertible {
  var label: String
  var encode: @Sendable () throws(DistProtocolError) -> [UInt8]
  var expectedToken: Token
  var testDescription: String { label }
}

private let cc: [[UInt8]] = [Array("cc".utf8)]

let encodingRules: [EncodingRule] = [
  EncodingRule(
    label: "empty command line",
    encode: { () throws(DistProtocolError) in
      try Request(version: .v2, arguments: []).encoded()
    }, expectedToken: .argc),
  EncodingRule(
    label: "CDIR in protocol 2",
    encode: { () throws(DistProtocolError) in
      try Request(version: .v2, workingDirectory: [0x2f], arguments: cc).encoded()
    }, expectedToken: .cdir),
  EncodingRule(
    label: "files in protocol 1",
    encode: { () throws(DistProtocolError) in
      try Request(
        version: .v1, arguments: cc, files: [IncludedFile(name: [0x2f], content: .link([0x61]))]
      ).encoded()
    }, expectedToken: .nfil),
  EncodingRule(
    label: "protocol 3 without CDIR",
    encode: { () throws(DistProtocolError) in
      try Request(version: .v3, arguments: cc).encoded()
    }, expectedToken: .cdir),
  EncodingRule(
    label: "source in protocol 3",
    encode: { () throws(DistProtocolError) in
      try Request(version: .v3, workingDirectory: [0x2f], arguments: cc, source: [0x61]).encoded()
    }, expectedToken: .doti),
  EncodingRule(
    label: "version zero with protocol 2",
    encode: { () throws(DistProtocolError) in
      try Request(version: .v2, isVersionZero: true, arguments: cc).encoded()
    }, expectedToken: .dist),
  EncodingRule(
    label: "object with a failed status",
    encode: { () throws(DistProtocolError) in
      try Response(version: .v2, status: .exited(1), object: [1]).encoded()
    }, expectedToken: .doto),
  EncodingRule(
    label: "dependencies in protocol 2",
    encode: { () throws(DistProtocolError) in
      try Response(version: .v2, status: .success, dependencies: [1]).encoded()
    }, expectedToken: .dotd),
  EncodingRule(
    label: "dependencies after a failure",
    encode: { () throws(DistProtocolError) in
      try Response(version: .v3, status: .exited(1), dependencies: []).encoded()
    }, expectedToken: .dotd),
]

@Suite struct EncodingRuleTests {
  @Test(arguments: encodingRules)
  func inconsistentMessageIsRefused(_ rule: EncodingRule) {
    guard case .invalidMessage(let token, _) = error(of: rule.encode) else {
      Issue.record("\(rule.label) was encoded")
      return
    }
    #expect(token == rule.expectedToken)
  }

  @Test func failedEncodingLeavesOutputUntouched() {
    var output: [UInt8] = [1, 2, 3]
    let thrown = error { () throws(DistProtocolError) in
      try Response(version: .v2, status: .exited(1), object: [1]).encode(into: &output)
    }
    #expect(thrown != nil)
    #expect(output == [1, 2, 3])
  }

  @Test func protocol3SuccessWithoutDependenciesSendsEmptyDOTD() throws {
    let bytes = try Response(version: .v3, status: .success).encoded()
    #expect(bytes.suffix(24) == ArraySlice("DOTO00000000DOTD00000000".utf8))
    let decoded = try decodeAll(ResponseDecoder(expecting: .v3), bytes)
    #expect(decoded.first?.dependencies == [])
  }

  @Test func protocol3FailureEndsAfterDOTO() throws {
    let response = Response(version: .v3, status: .exited(1), stderr: Array("boom".utf8))
    let bytes = try response.encoded()
    #expect(bytes.suffix(12) == ArraySlice("DOTO00000000".utf8))
    #expect(try decodeAll(ResponseDecoder(expecting: .v3), bytes) == [response])
  }
}
