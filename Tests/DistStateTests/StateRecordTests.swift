import DistState
import Testing

@Suite struct StateRecordTests {
  /// The dump of a real 3.4 client waiting for `hello.c` on `127.0.0.1` (`client.md` §12.2).
  static let realClientBytes: [UInt8] = {
    var bytes = [UInt8](repeating: 0, count: 296)
    bytes.replaceSubrange(0..<8, with: [0x28, 0x01, 0, 0, 0, 0, 0, 0])
    bytes.replaceSubrange(8..<16, with: [0x00, 0x48, 0x49, 0x44, 0, 0, 0, 0])
    bytes.replaceSubrange(16..<24, with: [0x47, 0x6f, 0, 0, 0, 0, 0, 0])
    bytes.replaceSubrange(24..<31, with: Array("hello.c".utf8))
    bytes.replaceSubrange(152..<161, with: Array("127.0.0.1".utf8))
    bytes[284] = 5
    return bytes
  }()

  @Test func encodesTheRealClientLayout() {
    let record = StateRecord(
      pid: 0x6f47, file: "hello.c", host: "127.0.0.1", slot: 0, phase: .compile)
    #expect(record.encode() == Self.realClientBytes)
  }

  @Test func decodesTheRealClientLayout() throws {
    let record = try StateRecord(decoding: Self.realClientBytes)
    #expect(
      record
        == StateRecord(pid: 28487, file: "hello.c", host: "127.0.0.1", slot: 0, phase: .compile))
    #expect(record.fileName == "hello.c")
    #expect(record.hostName == "127.0.0.1")
  }

  static let samples: [StateRecord] = [
    StateRecord(pid: 1, file: "", host: "", slot: 0, phase: .startup),
    StateRecord(pid: 4_194_304, file: "a.c", host: "localhost", slot: 15, phase: .preprocess),
    StateRecord(pid: -1, file: "x.cpp", host: "::1", slot: -3, phase: .done),
    StateRecord(
      pid: Int64.max, file: "b.m", host: "build-farm-07.example.org", slot: .max, phase: .receive),
    StateRecord(
      pid: 42, file: [0xff, 0xfe, 0x2e, 0x63], host: [0xc3, 0x28], slot: 1, phase: .send),
  ]

  @Test(arguments: samples)
  func roundTrips(_ record: StateRecord) throws {
    let bytes = record.encode()
    #expect(bytes.count == StateRecord.size)
    #expect(try StateRecord(decoding: bytes) == record)
  }

  @Test(arguments: Phase.allCases)
  func roundTripsEveryPhase(_ phase: Phase) throws {
    let record = StateRecord(pid: 7, file: "p.c", host: "h", slot: 2, phase: phase)
    #expect(try StateRecord(decoding: record.encode()).phase == phase)
    #expect(record.encode()[284] == UInt8(phase.rawValue))
  }

  @Test func cutsTextAt127BytesAndAtNUL() throws {
    let long = [UInt8](repeating: UInt8(ascii: "a"), count: 300)
    let record = StateRecord(pid: 1, file: long, host: Array("ho\0st".utf8), slot: 0, phase: .send)
    let decoded = try StateRecord(decoding: record.encode())
    #expect(decoded.file == Array(long.prefix(127)))
    #expect(decoded.host == Array("ho".utf8))
  }

  @Test func treatsTheLastByteOfATextFieldAsNUL() throws {
    var bytes = StateRecord(pid: 1, file: "", host: "", slot: 0, phase: .send).encode()
    for index in 24..<280 { bytes[index] = UInt8(ascii: "z") }
    let decoded = try StateRecord(decoding: bytes)
    #expect(decoded.file.count == 127)
    #expect(decoded.host.count == 127)
  }

  @Test(arguments: [
    (8 as UInt32, Phase.compile), (9, .compile), (0xffff_ffff, .compile), (6, .receive),
  ])
  func readsPhasesAboveDoneAsCompile(raw: UInt32, expected: Phase) throws {
    var bytes = StateRecord(pid: 1, file: "", host: "", slot: 0, phase: .send).encode()
    for index in 0..<4 { bytes[284 + index] = UInt8(truncatingIfNeeded: raw >> (index * 8)) }
    #expect(try StateRecord(decoding: bytes).phase == expected)
  }

  @Test func ignoresTheNextPointerAndExtraBytes() throws {
    let record = StateRecord(pid: 9, file: "n.c", host: "h", slot: 1, phase: .connect)
    var bytes = record.encode()
    for index in 288..<296 { bytes[index] = 0xaa }
    bytes += [1, 2, 3]
    #expect(try StateRecord(decoding: bytes) == record)
  }

  @Test(arguments: [0, 1, 100, 288, 295])
  func rejectsShortRecords(length: Int) {
    let bytes = Array(
      StateRecord(pid: 1, file: "a", host: "b", slot: 0, phase: .send).encode().prefix(length))
    #expect(throws: DistStateError.truncated(length: length)) { try StateRecord(decoding: bytes) }
  }

  @Test func rejectsAWrongMagicNumber() {
    var bytes = StateRecord(pid: 1, file: "a", host: "b", slot: 0, phase: .send).encode()
    bytes[9] = 0x47
    #expect(throws: DistStateError.wrongMagic(0x4449_4700)) { try StateRecord(decoding: bytes) }
    #expect(
      "\(DistStateError.wrongMagic(0x4449_4700))"
        == "wrong magic number 0x44494700 (expected 0x44494800)")
  }

  @Test func rejectsAWrongStructureSize() {
    var bytes = StateRecord(pid: 1, file: "a", host: "b", slot: 0, phase: .send).encode()
    bytes[0] = 0x20
    #expect(throws: DistStateError.wrongStructureSize(0x120)) { try StateRecord(decoding: bytes) }
  }

  @Test func namesPhasesAs34Does() {
    #expect(
      Phase.allCases.map(\.name) == [
        "Startup", "Blocked", "Connect", "Preprocess", "Send", "Compile", "Receive", "Done",
      ])
  }
}
