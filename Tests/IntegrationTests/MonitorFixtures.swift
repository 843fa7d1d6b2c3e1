import DistTestSupport
import Foundation

/// Helpers for the monitor tests: hand-made state files (laid out here byte by byte, independently of
/// DistState), scratch directories and programs run to completion with their output captured.
enum MonitorFixtures {
  /// A 296-byte state record as 3.4's `struct dcc_task_state` lays it out on x86_64.
  static func record(
    pid: UInt64, file: String, host: [UInt8], slot: Int32, phase: UInt32,
    magic: UInt64 = 0x4449_4800, size: UInt64 = 296, next: UInt64 = 0
  ) -> [UInt8] {
    func little<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
      (0..<MemoryLayout<T>.size).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }
    func text(_ bytes: [UInt8]) -> [UInt8] {
      bytes + [UInt8](repeating: 0, count: 128 - bytes.count)
    }
    return little(size) + little(magic) + little(pid) + text(Array(file.utf8)) + text(host)
      + little(slot)
      + little(phase) + little(next)
  }

  static func record(pid: UInt64, file: String, host: String, slot: Int32, phase: UInt32) -> [UInt8]
  {
    record(pid: pid, file: file, host: Array(host.utf8), slot: slot, phase: phase)
  }

  /// Debian's monitor and ours.
  static let debianMonitor = "/usr/bin/distccmon-text"
  static var ourMonitor: String { Binaries.ours("distccmon-text") }

  /// A fresh directory under /tmp; world-writable for daemons that dropped privileges.
  static func makeDirectory() throws -> String {
    var template = Array("/tmp/monitor-test-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    let path = String(cString: made)
    chmod(path, 0o777)
    return path
  }

  static func write(_ bytes: [UInt8], to path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
  }

  /// Sets a file's modification time `seconds` into the past.
  static func age(_ path: String, by seconds: Int) {
    let then = timespec(tv_sec: time(nil) - seconds, tv_nsec: 0)
    _ = [then, then].withUnsafeBufferPointer { utimensat(AT_FDCWD, path, $0.baseAddress, 0) }
  }

  static func names(in directory: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
  }

  /// What a finished program printed and how it ended.
  struct Outcome: Equatable, CustomStringConvertible {
    var stdout: [UInt8]
    var stderr: String
    var status: Int32
    var description: String {
      "status \(status), stdout \(String(decoding: stdout, as: UTF8.self).debugDescription), stderr \(stderr.debugDescription)"
    }
  }

  /// Runs `executable` to completion with exactly `environment`; in stderr, `prog[pid]` reads `prog[PID]`
  /// and every `replacing` key is replaced by its value.
  static func run(
    _ executable: String, _ arguments: [String], environment: [String: String],
    replacing: [String: String] = [:]
  ) throws -> Outcome {
    let result = try TestProcess.run([executable] + arguments, environment: environment)
    var stderr = result.stderr
    stderr = stderr.replacingOccurrences(
      of: #"distccmon-text\[[0-9]+\]"#, with: "distccmon-text[PID]", options: .regularExpression)
    for (text, replacement) in replacing {
      stderr = stderr.replacingOccurrences(of: text, with: replacement)
    }
    return Outcome(stdout: result.standardOutput, stderr: stderr, status: result.exitCode)
  }
}
