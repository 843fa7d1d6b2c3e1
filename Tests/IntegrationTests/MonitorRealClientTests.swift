import DistTestSupport
import Foundation
import Testing

/// Both monitors watching Debian's 3.4 client during a real compile on a real 3.4 daemon, and both in
/// repeat mode.
@Suite(
  .enabled(
    if: BlockingCompileFarm.monitorsInstalled, "needs Debian's distcc, distccd and distccmon-text"))
struct MonitorRealClientTests {
  /// Debian's client, and ours, which must write the same state files.
  static let clients = ["/usr/bin/distcc", Binaries.ours("distcc")]

  @Test(arguments: clients)
  func showsARealClientAs34Does(_ distcc: String) throws {
    let farm = try BlockingCompileFarm()
    let client = try farm.startCompile(with: distcc)
    let pid = String(client.pid)
    let padded = String(repeating: " ", count: max(0, 6 - pid.count)) + pid

    // Each stage as both monitors show it while it blocks: preprocessing here, compiling on the daemon.
    let stages = [
      (
        "cpp", "Preprocess",
        "Preprocess                                                localhost[0]"
      ),
      ("cc", "Compile", "Compile     hello.c                                       127.0.0.1[0]"),
    ]
    for (stage, phase, line) in stages {
      try farm.waitForStage(stage)
      try farm.waitForMonitorLine(containing: phase)
      #expect(try farm.compareMonitors() == "\(padded)  \(line)\n\n")
      try farm.release(stage)
    }

    #expect(try client.waitForExit().exitCode == 0)
    #expect(try farm.compareMonitors() == "\n")
  }

  @Test func repeatsEveryDelayAs34Does() throws {
    let directory = try MonitorFixtures.makeDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try FileManager.default.createDirectory(
      atPath: directory + "/state", withIntermediateDirectories: false)
    for (index, host) in ["b", "a"].enumerated() {
      try MonitorFixtures.write(
        MonitorFixtures.record(pid: 1, file: "r\(index).c", host: host, slot: 0, phase: 4),
        to: directory + "/state/binstate_\(index)")
    }
    let single = try MonitorFixtures.run(
      MonitorFixtures.ourMonitor, [], environment: ["DISTCC_DIR": directory])
    for monitor in [MonitorFixtures.debianMonitor, MonitorFixtures.ourMonitor] {
      let blocks = try Self.firstBlocks(
        3, of: monitor, arguments: ["0.02"], environment: ["DISTCC_DIR": directory])
      #expect(blocks == Array(repeating: single.stdout, count: 3), "\(monitor)")
    }
  }

  /// Runs a repeating monitor until it has printed `count` blocks (each ends with an empty line), then
  /// stops it by pid.
  static func firstBlocks(
    _ count: Int, of monitor: String, arguments: [String], environment: [String: String]
  ) throws -> [[UInt8]] {
    let directory = try TestDirectory(prefix: "monitor-blocks-")
    let process = try BackgroundProcess(
      [monitor] + arguments, environment: environment, logPath: directory.appending("output"))
    defer { process.stop(signal: SIGKILL, grace: 1) }
    var blocks: [[UInt8]] = []
    _ = Wait.until(seconds: 20) {
      blocks = Self.blocks(in: (try? directory.read("output")) ?? [])
      return blocks.count >= count || !process.isRunning
    }
    return Array(blocks.prefix(count))
  }

  /// The complete blocks (each ending with an empty line) at the start of `output`.
  static func blocks(in output: [UInt8]) -> [[UInt8]] {
    var rest = output[...]
    var blocks: [[UInt8]] = []
    while let end = rest.indices.dropLast().first(where: { rest[$0] == 10 && rest[$0 + 1] == 10 }) {
      blocks.append(Array(rest[...(end + 1)]))
      rest = rest[(end + 2)...]
    }
    return blocks
  }
}

/// The blocking farm, seen through both monitors.
extension BlockingCompileFarm {
  static var monitorsInstalled: Bool {
    isInstalled && FileManager.default.isExecutableFile(atPath: MonitorFixtures.debianMonitor)
  }

  /// Waits until our monitor shows a line containing `text` (the client writes its state just around the
  /// moment the compiler starts).
  func waitForMonitorLine(containing text: String) throws {
    try Self.waitUntil("a \(text) line") {
      let outcome = try? MonitorFixtures.run(
        MonitorFixtures.ourMonitor, [], environment: ["DISTCC_DIR": distccDirectory])
      return String(decoding: outcome?.stdout ?? [], as: UTF8.self).contains(text)
    }
  }

  /// Runs both monitors on the farm's state directory and returns the output they agree on.
  func compareMonitors() throws -> String {
    let environment = ["DISTCC_DIR": distccDirectory]
    let expected = try MonitorFixtures.run(
      MonitorFixtures.debianMonitor, [], environment: environment)
    let actual = try MonitorFixtures.run(MonitorFixtures.ourMonitor, [], environment: environment)
    #expect(actual == expected)
    return String(decoding: actual.stdout, as: UTF8.self)
  }
}
