// The compatibility surface: names the integration tests used before DistTestSupport's `TestDaemon`,
// `TestProcess`, `LoopbackAddress`, `TestConnection` and `Wait` took over (`RealDaemon`, `runProcess`,
// `freePort(on:)`, `waitUntil`, `isListening`, `RawSocket`, `ClientHarness`, `ClientTempDirectory`,
// `HarnessError`). Each is a thin wrapper or an alias, kept so that tests written against them compile
// unchanged; new tests use DistTestSupport directly.
import DistPosix
import DistTestSupport
import Foundation  // Data, for `ClientTempDirectory.contents`

/// Paths and sources the client tests share.
enum ClientHarness {
  /// The package root.
  static let packageRoot = Binaries.packageRoot

  /// Our built client.
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

/// DistTestSupport's `TestDirectory` with the accessors the client tests use.
final class ClientTempDirectory {
  private let directory: TestDirectory
  var path: String { directory.path }

  init() throws { directory = try TestDirectory(prefix: "distcc-client-test-") }

  /// Writes `text` to `name` (relative), creating parent directories.
  func write(_ name: String, _ text: String) throws { try directory.write(name, text) }
  func contents(_ name: String) -> Data? { (try? directory.read(name)).map { Data($0) } }
  func exists(_ name: String) -> Bool { directory.exists(name) }
  /// Creates `name` (relative or absolute) and its missing parents.
  func makeDirectories(_ name: String) throws { try directory.makeDirectories(name) }
}

struct HarnessError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

typealias TestFailure = HarnessError

/// The result of a finished process.
struct ProcessResult {
  /// The exit code, or 128 + the signal that killed it.
  var status: Int32
  var stdout: String
  var stderr: String
}

/// Runs `arguments` (first is the executable) in `directory` with exactly `environment`
/// (DistTestSupport's `TestProcess.run`: own process group, killed by pid at the time-out).
@discardableResult
func runProcess(
  _ arguments: [String], environment: [String: String], in directory: String
) throws -> ProcessResult {
  let result = try TestProcess.run(arguments, environment: environment, directory: directory)
  return ProcessResult(status: result.exitCode, stdout: result.stdout, stderr: result.stderr)
}

/// A port on `address` that was free a moment ago.
func freePort(on address: String) throws -> Int { Int(try FreePort.pick(on: address)) }

/// Whether something accepts TCP connections on `address:port`.
func isListening(_ address: String, _ port: Int) -> Bool {
  LoopbackAddress.isListening(address, port)
}

/// Polls `condition` until it holds or `seconds` pass.
func waitUntil(seconds: Double = 10, _ condition: () -> Bool) -> Bool {
  Wait.until(seconds: seconds, condition)
}

/// Debian's or our `distccd`, started the way the client tests always did: `--allow 127.0.0.0/8 --jobs 4`,
/// `PATH` and `TMPDIR=/tmp` only, its log in `logDirectory`.
typealias RealDaemon = TestDaemon

extension TestDaemon {
  /// Starts `kind` on `address` (nil: one picked at run time) and `fixedPort` (nil: a free one).
  convenience init(
    _ kind: Kind = .debian, address: String? = nil, logDirectory: String, fixedPort: Int? = nil,
    extraArguments: [String] = [], extraEnvironment: [String: String] = [:]
  ) throws {
    let picked = address == nil ? try LoopbackAddress.pick() : nil
    let listen = address ?? picked!.address
    let port = try fixedPort ?? picked.map { Int($0.port) } ?? Int(FreePort.pick(on: listen))
    try self.init(
      kind, listen: listen, port: port,
      arguments: ["--allow", "127.0.0.0/8", "--jobs", "4"] + extraArguments,
      environment: ["PATH": "/usr/local/bin:/usr/bin:/bin", "TMPDIR": "/tmp"].merging(extraEnvironment) {
        $1
      },
      logPath: "\(logDirectory)/distccd-\(kind)-\(listen)-\(port).log")
  }
}

/// A raw TCP client (DistTestSupport's `TestConnection`), made first and connected later.
final class RawSocket {
  private var connection: TestConnection?

  init(family: Int32 = 0) throws {}

  func connect(host: String, port: Int, from source: String? = nil) throws {
    connection = try TestConnection(host: host, port: port, from: source)
  }

  /// The connected descriptor.
  var fd: Int32 { connection?.descriptor.rawValue ?? -1 }
  var localPort: Int { connection?.localPort ?? 0 }

  func send(_ bytes: [UInt8]) throws {
    guard let connection else { throw HarnessError("send: not connected") }
    try connection.send(bytes)
  }

  func shutdownWrite() { connection?.shutdownWrite() }

  /// Reads until EOF (or `timeout` seconds); nil on time-out.
  func readToEnd(timeout: Double = 20) -> [UInt8]? { connection?.readToEnd(timeout: timeout) }
}
