import DistProtocol
import Foundation
import Glibc
import Synchronization
import Testing

/// LZO bombs against a real daemon (issue 11): the daemon-wide `--max-request-memory` budget bounds its
/// peak RSS however many bombs arrive at once, every bomb is refused, and real compiles still work.
@Suite(.serialized) struct HardeningMemoryBudgetTests {
  /// 300 MiB of zeros: about 1.2 MB of LZO, past the default 256 MiB body cap.
  static let bomb = LZO.compress([UInt8](repeating: 0, count: 300 << 20))

  static func bombRequest(_ version: ProtocolVersion) -> [UInt8] {
    let args = Wire.argv(["gcc", "-c", "t.c", "-o", "t.o"])
    if version == .v3 {
      return Wire.header("DIST", 3) + Wire.string("CDIR", "/home/u/proj")
        + Wire.argv(Wire.pumpArguments) + Wire.header("NFIL", 1)
        + Wire.string("NAME", "/home/u/proj/p.c") + Wire.string("FILE", bomb)
    }
    return Wire.header("DIST", version.rawValue) + args + Wire.string("DOTI", bomb)
  }

  @Test func concurrentBombsStayWithinTheBudget() throws {
    let budget = 96 << 20
    let hw = try HardeningWorld(daemonOptions: ["--jobs", "2", "--max-request-memory", "96M"])
    let pid = try #require(hw.world.daemonPid)
    let before = try HardeningHostileInputTests.peakMemoryKiB(of: pid)
    let bombs = 8
    let replies = Mutex<[[UInt8]?]>([])
    let started = Date()
    DispatchQueue.concurrentPerform(iterations: bombs) { index in
      let reply = try? hw.send(Self.bombRequest(index % 2 == 0 ? .v2 : .v3), timeout: 60)
      replies.withLock { $0.append(reply ?? nil) }
    }
    let seconds = Date().timeIntervalSince(started)
    // Refused: the connection is closed with no reply, and the log says why.
    #expect(replies.withLock { $0 } == Array(repeating: [], count: bombs))
    #expect(
      hw.world.waitForLog {
        $0.components(separatedBy: "--max-request-memory").count - 1 == bombs
      }, "every bomb is refused by the budget: \(hw.world.log)")
    #expect(hw.world.waitForSummaries("REJ_OVERLOAD", count: bombs))
    let peak = try HardeningHostileInputTests.peakMemoryKiB(of: pid)
    // Without the budget: 8 × 256 MiB. With it: the budget plus the daemon's own working set.
    #expect(peak < before + budget / 1024 + 32 * 1024, "peak RSS \(peak) KiB, before \(before) KiB")
    try hw.expectIntact("LZO bombs")
    // The budget is whole again: a 27 MiB protocol-1 source needs 55 MiB of it (raw and decoded copy),
    // which fits only if the refused bombs gave back what they reserved.
    let big = Array(
      ("int big(void) { return 7; }\n" + String(repeating: "// pad\n", count: 30 << 17)).utf8)
    let response = try hw.world.reply(
      to: try Request(
        version: .v1, arguments: ["gcc", "-c", "big.c", "-o", "big.o"].map { Array($0.utf8) },
        source: big
      ).encoded())
    #expect(response.status.isSuccess && !response.object.isEmpty, "\(hw.world.log)")
    try hw.expectRealCompile("after LZO bombs")
    hw.count(bombs)
    hw.report(
      "LZO bombs (\(bombs) at once, --max-request-memory 96M)",
      extra: String(
        format: "; daemon peak RSS %d → %d MiB; all refused in %.1f s", before / 1024, peak / 1024,
        seconds))
  }

  /// One bomb against the default limits: refused at the 256 MiB body cap (default budget).
  @Test func singleBombIsRefusedAtTheBodyCap() throws {
    let hw = try HardeningWorld()
    let pid = try #require(hw.world.daemonPid)
    let started = Date()
    #expect(try hw.send(Self.bombRequest(.v2), timeout: 60) == [])
    let seconds = Date().timeIntervalSince(started)
    #expect(hw.world.waitForLog { $0.contains("decompresses to more than 268435456 bytes") })
    let peak = try HardeningHostileInputTests.peakMemoryKiB(of: pid)
    #expect(peak < 330 * 1024, "peak RSS \(peak) KiB")
    try hw.expectIntact("LZO bomb")
    hw.report(
      "LZO bomb (defaults)",
      extra: String(format: "; daemon peak RSS %d MiB; refused in %.1f s", peak / 1024, seconds))
  }
}
