import Synchronization
import Testing

@testable import DistProtocol

/// A budget that records every reservation asked of it.
final class RecordingBudget: ByteBudget {
  let limit: Int
  private let state = Mutex<(taken: Int, asked: [Int])>((0, []))

  init(limit: Int) { self.limit = limit }

  var taken: Int { state.withLock { $0.taken } }
  var asked: [Int] { state.withLock { $0.asked } }

  func reserve(_ count: Int) -> Bool {
    state.withLock { state in
      state.asked.append(count)
      guard count <= limit - state.taken else { return false }
      state.taken += count
      return true
    }
  }
}

@Suite struct ByteBudgetTests {
  static let bomb = LZO.compress([UInt8](repeating: 0, count: 200 << 20))

  @Test func lzoGrowthIsReservedInBoundedSteps() {
    let budget = RecordingBudget(limit: .max)
    let thrown = error { () throws(DistProtocolError) in
      try LZO.decompress(Self.bomb, limit: 150 << 20, budget: budget)
    }
    #expect(thrown == .decodedBodyTooLarge(.lzo, token: nil, limit: 150 << 20))
    // 8× the input, doubling, then 64 MiB at a time, ending at the cap.
    #expect(budget.asked.allSatisfy { $0 > 0 && $0 <= BodyGrowth.maxStep })
    #expect(budget.taken == 150 << 20)
    #expect(budget.asked.count >= 3)
  }

  @Test func lzoStopsWhenTheBudgetRefuses() {
    let budget = RecordingBudget(limit: 20 << 20)
    let thrown = error { () throws(DistProtocolError) in
      try LZO.decompress(Self.bomb, limit: 256 << 20, budget: budget)
    }
    guard case .memoryBudgetExhausted(nil, let bytes) = thrown else {
      Issue.record("expected memoryBudgetExhausted, got \(String(describing: thrown))")
      return
    }
    #expect(budget.taken <= 20 << 20)
    #expect(budget.taken + bytes > 20 << 20)
  }

  @Test func successfulDecompressionReservesItsBuffer() throws {
    let text = Array(String(repeating: "int x; /* text */\n", count: 50_000).utf8)
    let budget = RecordingBudget(limit: .max)
    #expect(try LZO.decompress(LZO.compress(text), limit: 1 << 30, budget: budget) == text)
    #expect(budget.taken >= text.count)
  }

  /// A declared body is reserved when its header arrives, before any of it is buffered.
  @Test(arguments: [ProtocolVersion.v1, .v2])
  func declaredBodyIsRefusedBeforeItArrives(version: ProtocolVersion) throws {
    let budget = RecordingBudget(limit: 1 << 20)
    var limits = DecodingLimits.daemonDefault
    limits.budget = budget
    var decoder = RequestDecoder(limits: limits)
    var bytes: [UInt8] = []
    PacketWriter.appendValue(.dist, version.rawValue, to: &bytes)
    PacketWriter.appendValue(.argc, 1, to: &bytes)
    PacketWriter.appendString(.argv, Array("gcc".utf8), to: &bytes)
    PacketWriter.appendValue(.doti, 4 << 20, to: &bytes)
    decoder.append(bytes)
    #expect(
      error { () throws(DistProtocolError) in try decoder.next() }
        == .memoryBudgetExhausted(token: .doti, bytes: 4 << 20))
  }

  /// A whole request is covered: raw bodies and decoded copies are all reserved.
  @Test(arguments: [ProtocolVersion.v1, .v2, .v3])
  func requestReservesEveryBody(version: ProtocolVersion) throws {
    let source = Array(String(repeating: "int y;\n", count: 10_000).utf8)
    var request = Request(
      version: version, arguments: ["gcc", "-c", "y.c", "-o", "y.o"].map { Array($0.utf8) })
    if version == .v3 {
      request.workingDirectory = Array("/src".utf8)
      request.files = [IncludedFile(name: Array("/src/y.c".utf8), content: .file(source))]
    } else {
      request.source = source
    }
    let encoded = try request.encoded()
    let budget = RecordingBudget(limit: .max)
    var limits = DecodingLimits.daemonDefault
    limits.budget = budget
    var decoder = RequestDecoder(limits: limits)
    for start in stride(from: 0, to: encoded.count, by: 1000) {
      decoder.append(encoded[start..<min(start + 1000, encoded.count)])
    }
    #expect(try decoder.next() == request)
    #expect(budget.taken >= source.count)
    #expect(budget.taken <= 2 * encoded.count + 8 * source.count)
  }

  @Test func budgetsCompareByIdentity() {
    var a = DecodingLimits.daemonDefault
    var b = DecodingLimits.daemonDefault
    #expect(a == b)
    a.budget = RecordingBudget(limit: 1)
    #expect(a != b)
    b.budget = a.budget
    #expect(a == b)
  }
}
