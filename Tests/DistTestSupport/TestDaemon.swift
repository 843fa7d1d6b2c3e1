public import DistPosix
public import Glibc

/// A `distccd` a test runs: Debian's 3.4 or ours, on a loopback address and a port picked at run time
/// (or given), in a process group of its own, stopped with its workers and compilers by pid when the test
/// ends. The one daemon harness of the test targets.
///
/// It logs to standard error (`--log-stderr --log-level info`), which goes to `logPath`: the log is
/// readable whatever user the daemon drops to. It is ready once it logs `… daemon started` (3.4's
/// "preforking daemon started", our "threaded daemon started"), which both log after binding (and, for
/// 3.4 with `--stats`, "HTTP server started", which its stats server logs after binding): no probe
/// connection, which a daemon would count and log, and no scan of /proc/net/tcp, which is slow once
/// thousands of TIME_WAIT sockets of other tests are listed.
public final class TestDaemon: @unchecked Sendable {  // `process` is used by one test at a time
  /// Which daemon binary runs.
  public enum Kind: String, CaseIterable, Sendable, CustomStringConvertible {
    case debian, ours
    public var executable: String {
      self == .debian ? "/usr/bin/distccd" : Binaries.ours("distccd")
    }
    public var description: String { rawValue }
  }

  public let kind: Kind
  /// The address it listens on (`::` for a dual-stack daemon).
  public let address: String
  public let port: Int
  /// Where its standard output and error (its log) go.
  public let logPath: String
  /// The running process.
  public let process: BackgroundProcess

  /// The host-list entry for this daemon, e.g. `127.3.4.5:40000`.
  public var hostSpec: String { "\(address):\(port)" }
  public var pid: Int32 { process.pid }

  /// Starts `kind` with `arguments` after its listen, port and logging options and waits until it
  /// serves.
  ///
  /// - Parameters:
  ///   - listen: the address; nil picks a free loopback address (and port) at run time.
  ///   - port: the port; nil picks one free on the address.
  ///   - environment: the daemon's whole environment (nil inherits the test's).
  ///   - logPath: where its log goes; nil puts it in `logDirectory`, named after kind, address and port.
  public init(
    _ kind: Kind = .debian, listen: String? = nil, port: Int? = nil, arguments: [String] = [],
    environment: [String: String]? = nil, logPath: String? = nil, logDirectory: String = "/tmp"
  ) throws {
    self.kind = kind
    if let listen {
      address = listen
      self.port = try port ?? Int(FreePort.pick(on: listen))
    } else {
      let picked = try LoopbackAddress.pick()
      address = picked.address
      self.port = port ?? Int(picked.port)
    }
    self.logPath = logPath ?? "\(logDirectory)/distccd-\(kind)-\(address)-\(self.port).log"
    process = try BackgroundProcess(
      [
        kind.executable, "--daemon", "--no-detach", "--listen", address, "--port",
        String(self.port),
        "--log-stderr", "--log-level", "info",
      ] + arguments, environment: environment, logPath: self.logPath)
    // 3.4's stats server binds its port on its own, after it starts serving compiles.
    let readyLines =
      [" daemon started"]
      + (kind == .debian && arguments.contains("--stats") ? ["HTTP server started"] : [])
    do {
      try Wait.require("distccd on \(hostSpec) to start: \(process.log())") {
        guard process.isRunning else {
          throw PosixError.endOfFile(operation: "distccd on \(hostSpec) exited: \(process.log())")
        }
        let log = process.log()
        return readyLines.allSatisfy { log.contains($0) }
      }
    } catch {
      process.stop(signal: SIGKILL, grace: 1)
      throw error
    }
  }

  deinit { process.stop(signal: SIGKILL, grace: 1) }

  /// The daemon's log so far.
  public var log: String { process.log() }

  /// Whether the daemon still runs.
  public var isRunning: Bool { process.isRunning }

  /// How many times the log holds `text` so far.
  public func count(_ text: String) -> Int { log.ranges(of: text).count }

  /// Waits up to `seconds` until the log holds `text` at least `count` times; returns whether it did.
  @discardableResult
  public func waitForLog(_ text: String, count: Int = 1, seconds: Double = 15) -> Bool {
    Wait.until(seconds: seconds) { self.count(text) >= count }
  }

  /// Number of jobs logged as COMPILE_OK so far.
  public var compiledJobsSoFar: Int { count("COMPILE_OK") }

  /// Number of jobs the daemon logged as COMPILE_OK. The daemon logs a job after replying, so this waits up
  /// to 5 s for the count to reach `expected` (and returns at once when it already has).
  public func compiledJobs(expected: Int) -> Int {
    waitForLog("COMPILE_OK", count: expected, seconds: 5)
    return compiledJobsSoFar
  }

  /// Sends `signal` (0: none, to wait for an exit of its own) and waits up to `grace` seconds for the daemon
  /// to exit; then kills its process group (workers, compilers). Returns how it ended.
  @discardableResult
  public func stop(signal: Int32 = SIGKILL, grace: Int = 1) -> ProcessStatus? {
    process.stop(signal: signal, grace: grace)
  }
}
