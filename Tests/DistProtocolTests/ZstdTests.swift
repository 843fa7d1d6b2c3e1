import DistTestSupport
import Testing

@testable import DistProtocol

/// zstd bodies (`,zstd`, Docs/protocol.md "zstd bodies"): round trips at every size boundary that matters to the codec and
/// the decoder's growth, the caps (declared sizes refused before allocation, streamed frames cut at the cap),
/// corrupt frames, and frames made by the real `zstd` program.
@Suite struct ZstdTests {
  /// Sizes around zstd's block (128 KiB) and the decoder's first buffer (4 KiB, 8× input), and larger.
  static let sizes = [
    0, 1, 2, 511, 512, 4095, 4096, 4097, 65_535, 65_536, 131_071, 131_072, 131_073, 1 << 20,
    (1 << 20) + 1,
    5 << 20,
  ]

  static func text(_ count: Int) -> [UInt8] {
    let line = Array("static int counter_%d = 42; /* padding */\n".utf8)
    return Array((0..<(count / line.count + 1)).lazy.flatMap { _ in line }.prefix(count))
  }

  @Test(arguments: sizes)
  func roundTripsAtEverySizeBoundary(count: Int) throws {
    var generator = SeededGenerator(seed: UInt64(count))
    for input in [Self.text(count), [UInt8].random(count: count, using: &generator)] {
      let compressed = Zstd.compress(input)
      #expect(compressed.isEmpty == input.isEmpty)
      #expect(try Zstd.decompress(compressed, limit: count) == input)
      // One byte under the size it declares: refused before decoding.
      if count > 0 {
        let thrown = error { () throws(DistProtocolError) in
          try Zstd.decompress(compressed, limit: count - 1)
        }
        #expect(thrown == .decodedBodyTooLarge(.zstd, token: nil, limit: count - 1))
      }
    }
  }

  /// A frame declaring 2 GiB of zeros is refused before a byte is reserved or allocated.
  @Test func declaredBombIsRefusedBeforeAllocation() {
    let bomb = Zstd.compress([UInt8](repeating: 0, count: 64 << 20))
    #expect(bomb.count < 8 << 10)
    let budget = RecordingBudget(limit: .max)
    let thrown = error { () throws(DistProtocolError) in
      try Zstd.decompress(bomb, limit: 1 << 20, budget: budget)
    }
    #expect(thrown == .decodedBodyTooLarge(.zstd, token: nil, limit: 1 << 20))
    #expect(budget.asked.isEmpty, "nothing reserved: \(budget.asked)")
  }

  /// A frame without a content size (the `zstd` program writing to a pipe) is streamed into a buffer that
  /// grows in reserved steps and stops at the cap.
  @Test func streamedFrameWithoutSizeIsCappedWhileDecoding() throws {
    let content = [UInt8](repeating: 0x61, count: 8 << 20)
    let piped = try TestProcess.run(["zstd", "-q", "-c", "-1"], input: content)
    #expect(piped.exitCode == 0, "\(piped)")
    let frame = piped.standardOutput
    #expect(frame.count < 64 << 10)
    #expect(try Zstd.decompress(frame, limit: 8 << 20) == content, "a streamed frame decodes whole")

    let budget = RecordingBudget(limit: .max)
    let thrown = error { () throws(DistProtocolError) in
      try Zstd.decompress(frame, limit: 3 << 20, budget: budget)
    }
    #expect(thrown == .decodedBodyTooLarge(.zstd, token: nil, limit: 3 << 20))
    #expect(budget.taken == 3 << 20, "grew to the cap and no further")
    #expect(budget.asked.count >= 2)

    let tight = RecordingBudget(limit: 1 << 20)
    let refused = error { () throws(DistProtocolError) in
      try Zstd.decompress(frame, limit: 8 << 20, budget: tight)
    }
    if case .memoryBudgetExhausted = refused {
    } else {
      Issue.record("expected the budget to refuse: \(String(describing: refused))")
    }
    #expect(tight.taken <= 1 << 20)
  }

  @Test func framesFromTheZstdProgramDecode() throws {
    let content = Self.text(300_000)
    for level in ["-1", "-3", "-19"] {
      let made = try TestProcess.run(["zstd", "-q", "-c", level, "--content-size"], input: content)
      #expect(made.exitCode == 0)
      #expect(try Zstd.decompress(made.standardOutput, limit: content.count) == content)
    }
  }

  static let good = Zstd.compress(text(10_000))

  @Test(
    arguments: [
      ("not a frame", Array("hello, world".utf8)),
      ("truncated", Array(good.prefix(good.count / 2))),
      ("trailing byte", good + [0]),
      ("two frames", good + good),
      ("flipped byte", flipped(good, at: good.count / 2)),
      ("magic only", [0x28, 0xb5, 0x2f, 0xfd]),
    ] as [(String, [UInt8])])
  func corruptFramesAreRefused(label: String, frame: [UInt8]) {
    let thrown = error { () throws(DistProtocolError) in try Zstd.decompress(frame, limit: 1 << 20)
    }
    guard case .corruptBody(.zstd, nil, let reason) = thrown else {
      Issue.record("\(label): expected corruptBody(.zstd), got \(String(describing: thrown))")
      return
    }
    #expect(!reason.isEmpty)
  }

  static func flipped(_ bytes: [UInt8], at index: Int) -> [UInt8] {
    var copy = bytes
    copy[index] ^= 0xff
    return copy
  }

  /// A frame asking for a window over 8 MiB is refused (libzstd would allocate it).
  @Test func oversizedWindowIsRefused() throws {
    let content = [UInt8](repeating: 0x62, count: 1 << 20)
    let made = try TestProcess.run(
      ["zstd", "-q", "-c", "--long=27", "--no-content-size"], input: content)
    #expect(made.exitCode == 0)
    let thrown = error { () throws(DistProtocolError) in
      try Zstd.decompress(made.standardOutput, limit: 2 << 20)
    }
    guard case .corruptBody(.zstd, nil, let reason) = thrown else {
      Issue.record("expected corruptBody(.zstd), got \(String(describing: thrown))")
      return
    }
    #expect(reason.contains("too much memory"), "\(reason)")
  }
}

/// Messages whose request uses the zstd extension: every bulk body is one zstd frame, in every protocol, and
/// decodes back with the request's (or reply's) coding; the same message without it is 3.4's bytes.
@Suite struct ZstdMessageTests {
  static let magic: [UInt8] = [0x28, 0xb5, 0x2f, 0xfd]
  static let source = Array(String(repeating: "int counter = 42; /* body */\n", count: 200).utf8)

  @Test(arguments: [ProtocolVersion.v1, .v2])
  func requestBodiesAreZstdFrames(version: ProtocolVersion) throws {
    var request = Request(
      version: version, arguments: ["gcc", "-c", "t.c", "-o", "t.o"].map { Array($0.utf8) },
      source: Self.source)
    request.extensions = .zstd
    let bytes = try request.encoded()
    let doti = try #require(bytes.firstRange(of: Array("DOTI".utf8)))
    #expect(Array(bytes[(doti.lowerBound + 12)...].prefix(4)) == Self.magic)
    var decoder = RequestDecoder()
    decoder.append(bytes)
    let decoded = try #require(try decoder.next())
    #expect(decoded.source == Self.source)
    #expect(decoded.extensions == .zstd)

    let plain = Request(
      version: version, arguments: ["gcc", "-c", "t.c", "-o", "t.o"].map { Array($0.utf8) },
      source: Self.source)
    #expect(
      try plain.encoded().firstRange(of: Self.magic) == nil, "without the extension: 3.4's bytes")
  }

  @Test(arguments: [ProtocolVersion.v1, .v2, .v3])
  func replyBodiesAreZstdFrames(version: ProtocolVersion) throws {
    var response = Response(
      version: version, status: .success, stderr: Array("warning: x\n".utf8), object: Self.source,
      dependencies: version == .v3 ? Array("t.o: t.c\n".utf8) : nil)
    response.extensions = .zstd
    let bytes = try response.encoded()
    let doto = try #require(bytes.firstRange(of: Array("DOTO".utf8)))
    #expect(Array(bytes[(doto.lowerBound + 12)...].prefix(4)) == Self.magic)
    var decoder = ResponseDecoder(expecting: version, extensions: .zstd)
    decoder.append(bytes)
    let decoded = try #require(try decoder.next())
    #expect(decoded.object == Self.source)
    #expect(decoded.stderr == response.stderr)
    #expect(decoded.dependencies == response.dependencies)

    // A decoder expecting LZO (or plain) bodies refuses the zstd ones instead of passing them on.
    var wrong = ResponseDecoder(expecting: version == .v1 ? .v2 : version)
    wrong.append(bytes)
    #expect(throws: DistProtocolError.self) { _ = try wrong.next() }
  }
}
