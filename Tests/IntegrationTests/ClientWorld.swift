import DistTestSupport
import Foundation  // Data: `contents` keeps the type the tests compare with
import Glibc

/// A client test's world: a temporary directory with sources, `DISTCC_DIR`, and the environment for the
/// client, which runs to completion through DistTestSupport's `TestProcess`.
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
    try directory.makeDirectories("distcc-dir")
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
    try run([ClientHarness.distcc] + arguments, extra)
  }

  /// Runs Debian's client with `arguments`.
  @discardableResult
  func realDistcc(_ arguments: [String], _ extra: [String: String] = [:]) throws -> ProcessResult {
    try run(["/usr/bin/distcc"] + arguments, extra)
  }

  /// Compiles `arguments` with the plain compiler (no distcc), for byte comparisons.
  @discardableResult
  func local(_ arguments: [String]) throws -> ProcessResult {
    try run(["/usr/bin/env"] + arguments)
  }

  /// Runs `arguments` in the world directory with the world's environment plus `extra`.
  @discardableResult
  func run(_ arguments: [String], _ extra: [String: String] = [:]) throws -> ProcessResult {
    try runProcess(arguments, environment: environment.merging(extra) { $1 }, in: path)
  }

  func write(_ name: String, _ text: String) throws { try directory.write(name, text) }
  func contents(_ name: String) -> Data? { directory.contents(name) }
  func exists(_ name: String) -> Bool { directory.exists(name) }
}

extension ClientWorld {
  /// Starts `arguments` in the world directory, with its environment, on a thread of its own; `wait()`
  /// returns the result.
  func start(_ arguments: [String]) -> PendingRun {
    PendingRun(arguments, environment: environment, in: path)
  }
}

/// A process run to completion (`runProcess`) on a thread of its own, for tests that act while it runs.
final class PendingRun: @unchecked Sendable {  // `result` is written before `done` is signalled
  private var result: ProcessResult?
  private let done = DispatchSemaphore(value: 0)

  init(_ arguments: [String], environment: [String: String], in directory: String) {
    Thread.detachNewThread { [self] in
      result = try? runProcess(arguments, environment: environment, in: directory)
      done.signal()
    }
  }

  /// Waits for the process to end; nil if it could not be run.
  func wait() -> ProcessResult? {
    done.wait()
    return result
  }
}

extension ClientWorld {
  /// A world whose host list is one daemon of `kind` (started as `RealDaemon` starts it, with
  /// `extraArguments`; its log in the world's `logs` directory) with `hostOptions` (`,lzo`, `/4`).
  static func withDaemon(
    _ kind: TestDaemon.Kind = .debian, hostOptions: String = "", extraArguments: [String] = []
  ) throws -> (ClientWorld, TestDaemon) {
    let world = try ClientWorld(hosts: nil)
    try world.directory.makeDirectories("logs")
    let daemon = try RealDaemon(
      kind, logDirectory: world.path + "/logs", extraArguments: extraArguments)
    world.environment["DISTCC_HOSTS"] = daemon.hostSpec + hostOptions
    return (world, daemon)
  }

  /// Writes an executable `slowcc` that, when it compiles (`-c`; not when it preprocesses or is asked what it
  /// is, as the compiler-identity probes do), touches `started`
  /// and sleeps `seconds` before running gcc; returns its path.
  func writeSlowCompiler(sleep seconds: Int) throws -> String {
    try write(
      "slowcc",
      "#!/bin/sh\ncase \" $* \" in *\" -E \"*) ;; *\" -c \"*) touch \(path)/started; sleep \(seconds);; esac\n"
        + "exec gcc \"$@\"\n")
    chmod(path + "/slowcc", 0o755)
    return path + "/slowcc"
  }
}
