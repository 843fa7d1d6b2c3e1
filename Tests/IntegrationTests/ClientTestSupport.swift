import DistTestSupport
import Foundation
import Glibc
import Testing

/// Helpers for the client's integration tests: temporary directories, processes run to completion, Debian's
/// `distccd` started on a loopback address and stopped by pid.
enum ClientHarness {
  /// The package root, found from this file's path.
  static let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
  }()

  /// Our built client (`.build/debug`, or `$SWIFT_DISTCC_BIN_DIR` to test a release build).
  static var distcc: String { Binaries.ours("distcc") }

  /// A small C program.
  static let helloC = """
    #include <stdio.h>
    #include "greet.h"
    int main(void) { printf("%s\\n", GREETING); return 0; }

    """
  static let greetH = "#define GREETING \"hello\"\n"
  static let helloCpp = """
    #include "greet.h"
    template <typename T> struct Box { T value; T get() const { return value; } };
    namespace n { int twice(int x) { return Box<int>{x}.get() * 2; } }
    const char *greeting() { return GREETING; }

    """
}

/// A temporary directory (DistTestSupport's `TestDirectory`) with the accessors these tests use.
final class ClientTempDirectory {
  private let directory: TestDirectory
  var path: String { directory.path }

  init() throws { directory = try TestDirectory(prefix: "distcc-client-test-") }

  /// Writes `text` to `name` (relative), creating parent directories.
  func write(_ name: String, _ text: String) throws { try directory.write(name, text) }
  func contents(_ name: String) -> Data? { (try? directory.read(name)).map { Data($0) } }
  func exists(_ name: String) -> Bool { directory.exists(name) }
}

struct HarnessError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// The result of a finished process.
struct ProcessResult {
  var status: Int32
  var stdout: String
  var stderr: String
}

/// Runs `arguments` (first is the executable path) in `directory` with exactly `environment`.
@discardableResult
func runProcess(
  _ arguments: [String], environment: [String: String], in directory: String
) throws -> ProcessResult {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: arguments[0])
  process.arguments = Array(arguments.dropFirst())
  process.environment = environment
  process.currentDirectoryURL = URL(fileURLWithPath: directory)
  let out = Pipe()
  let err = Pipe()
  process.standardOutput = out
  process.standardError = err
  try process.run()
  // Drain both pipes concurrently so a chatty child cannot block.
  nonisolated(unsafe) var errData = Data()
  let group = DispatchGroup()
  group.enter()
  DispatchQueue.global().async {
    errData = err.fileHandleForReading.readDataToEndOfFile()
    group.leave()
  }
  let outData = out.fileHandleForReading.readDataToEndOfFile()
  group.wait()
  process.waitUntilExit()
  let status =
    process.terminationReason == .uncaughtSignal
    ? 128 + process.terminationStatus : process.terminationStatus
  return ProcessResult(
    status: status, stdout: String(decoding: outData, as: UTF8.self),
    stderr: String(decoding: errData, as: UTF8.self))
}

/// A port on `address` that was free a moment ago.
func freePort(on address: String) throws -> Int { Int(try FreePort.pick(on: address)) }

/// Whether something accepts TCP connections on `address:port`.
func isListening(_ address: String, _ port: Int) -> Bool {
  let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
  guard fd >= 0 else { return false }
  defer { close(fd) }
  var addr = sockaddr_in()
  addr.sin_family = sa_family_t(AF_INET)
  addr.sin_port = UInt16(port).bigEndian
  inet_pton(AF_INET, address, &addr.sin_addr)
  return withUnsafePointer(to: &addr) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
      connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
    }
  }
}

/// Polls `condition` every 10 ms until it holds or `seconds` pass.
func waitUntil(seconds: Double = 10, _ condition: () -> Bool) -> Bool {
  let deadline = Date().addingTimeInterval(seconds)
  while Date() < deadline {
    if condition() { return true }
    usleep(10_000)
  }
  return condition()
}

/// A `distccd` on one loopback address: Debian's 3.4 or ours. Started through DistTestSupport's
/// `BackgroundProcess` (own process group, empty signal mask) and stopped with its workers by pid.
final class RealDaemon {
  /// Which daemon binary runs.
  enum Kind: String, CaseIterable, Sendable, CustomStringConvertible {
    case debian, ours
    var executable: String {
      self == .debian ? "/usr/bin/distccd" : ClientHarness.packageRoot + "/.build/debug/distccd"
    }
    var description: String { rawValue }
  }

  let address: String
  let port: Int
  let logPath: String
  private let process: BackgroundProcess

  /// The host-list entry for this daemon, e.g. `127.0.0.2:40000`.
  var hostSpec: String { "\(address):\(port)" }

  init(
    _ kind: Kind = .debian, address: String, logDirectory: String, fixedPort: Int? = nil,
    extraArguments: [String] = []
  ) throws {
    self.address = address
    let chosen = try fixedPort ?? freePort(on: address)
    self.port = chosen
    logPath = logDirectory + "/distccd-\(kind)-\(address)-\(chosen).log"
    process = try BackgroundProcess(
      [
        kind.executable, "--no-detach", "--daemon", "--listen", address, "--port", String(chosen),
        "--allow",
        "127.0.0.0/8", "--log-stderr", "--log-level", "info", "--jobs", "4",
      ] + extraArguments,
      environment: ["PATH": "/usr/local/bin:/usr/bin:/bin", "TMPDIR": "/tmp"], logPath: logPath)
    // Connect-based readiness: BackgroundProcess.waitUntilListening parses /proc/net/tcp, which is slow in
    // debug builds once thousands of TIME_WAIT sockets from other tests are listed.
    guard waitUntil(seconds: 20, { isListening(address, chosen) || !process.isRunning }),
      process.isRunning
    else {
      process.stop(signal: SIGKILL, grace: 1)
      throw HarnessError("distccd on \(address):\(chosen) did not start: \(process.log())")
    }
  }

  /// The daemon's log so far.
  var log: String { process.log() }

  /// Number of jobs the daemon logged as COMPILE_OK. The daemon logs a job after replying, so this waits up to
  /// 5 s for the count to reach `expected` (and returns at once when it already has).
  func compiledJobs(expected: Int) -> Int {
    _ = waitUntil(seconds: 5) { compiledJobsSoFar >= expected }
    return compiledJobsSoFar
  }

  /// Number of jobs logged as COMPILE_OK so far.
  var compiledJobsSoFar: Int { log.components(separatedBy: "COMPILE_OK").count - 1 }

  /// Kills the daemon and everything in its process group (workers, compilers).
  func stop() { process.stop(signal: SIGKILL, grace: 1) }

  deinit { stop() }
}

/// A test's world: a temporary directory with sources, `DISTCC_DIR`, and the environment for the client.
final class ClientWorld {
  let directory: ClientTempDirectory
  var environment: [String: String]

  var path: String { directory.path }
  var distccDir: String { directory.path + "/distcc-dir" }

  init(hosts: String?) throws {
    directory = try ClientTempDirectory()
    try directory.write("hello.c", ClientHarness.helloC)
    try directory.write("greet.h", ClientHarness.greetH)
    try directory.write("join.cpp", ClientHarness.helloCpp)
    try FileManager.default.createDirectory(
      atPath: directory.path + "/distcc-dir", withIntermediateDirectories: true)
    environment = [
      "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": directory.path,
      "DISTCC_DIR": directory.path + "/distcc-dir",
      "TMPDIR": directory.path, "DISTCC_PAUSE_TIME_MSEC": "50",
    ]
    if let hosts { environment["DISTCC_HOSTS"] = hosts }
  }

  /// Runs our client with `arguments` (after `distcc`).
  @discardableResult
  func distcc(_ arguments: [String], _ extra: [String: String] = [:]) throws -> ProcessResult {
    try runProcess(
      [ClientHarness.distcc] + arguments, environment: environment.merging(extra) { $1 }, in: path)
  }

  /// Runs Debian's client with `arguments`.
  @discardableResult
  func realDistcc(_ arguments: [String], _ extra: [String: String] = [:]) throws -> ProcessResult {
    try runProcess(
      ["/usr/bin/distcc"] + arguments, environment: environment.merging(extra) { $1 }, in: path)
  }

  /// Compiles `arguments` with the plain compiler (no distcc), for byte comparisons.
  @discardableResult
  func local(_ arguments: [String]) throws -> ProcessResult {
    try runProcess(["/usr/bin/env"] + arguments, environment: environment, in: path)
  }

  func write(_ name: String, _ text: String) throws { try directory.write(name, text) }
  func contents(_ name: String) -> Data? { directory.contents(name) }
  func exists(_ name: String) -> Bool { directory.exists(name) }
}
