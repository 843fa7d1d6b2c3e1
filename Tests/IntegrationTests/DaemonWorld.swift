import DistPosix
import DistProtocol
import DistTestSupport
import Glibc
import Testing

/// Test fixture: a private world directory (sources, TMPDIR, log, fake compilers) and, optionally, our
/// `distccd` (DistTestSupport's `TestDaemon`) on 127.0.0.1 and a free port, stopped by pid when the test
/// ends.
final class DaemonWorld: @unchecked Sendable {  // mutated only before concurrent use (startDaemon)
  static let packageRoot = Binaries.packageRoot
  static let daemonPath = Binaries.ours("distccd")

  private let directory: TestDirectory
  var root: String { directory.path }
  var tmpdir: String { root + "/tmp" }
  var logPath: String { root + "/distccd.log" }
  /// The daemon `startDaemon` started.
  private(set) var daemon: TestDaemon?
  var port: Int { daemon?.port ?? 0 }

  init() throws {
    directory = try TestDirectory(prefix: "distccd-test-")
    // The daemon drops root to `distccd` when the tests run as root: let it work here.
    chmod(root, 0o777)
    try directory.makeDirectories(tmpdir)
    chmod(tmpdir, 0o777)
    try write("hello.c", "#include <stdio.h>\nint main(void) { puts(\"hello\"); return 0; }\n")
    try write(
      "hello.cpp",
      "#include <string>\nstd::string greet() { return std::string(\"hi\") + \"!\"; }\n")
    try write("warn.c", "int f(void) { int unused; return 0; }\n")
    try write("bad.c", "int f(void) { return syntax error; }\n")
  }

  /// Stops the daemon (and its compilers) before the directory goes.
  deinit { daemon?.stop() }

  func path(_ name: String) -> String { "\(root)/\(name)" }

  func write(_ name: String, _ text: String, executable: Bool = false) throws {
    try directory.write(name, text, mode: executable ? 0o755 : 0o644)
    chmod(path(name), executable ? 0o755 : 0o644)
  }

  /// A fake compiler script: sleeps `seconds`, records its pid, then runs gcc (or writes `marker` as the object).
  func fakeCompiler(_ name: String, sleep seconds: Double = 0, marker: String? = nil) throws
    -> String
  {
    let body: String
    if let marker {
      body = """
        for a in "$@"; do [ "$a" = "-E" ] && exec gcc "$@"; done
        out=""; prev=""
        for a in "$@"; do [ "$prev" = "-o" ] && out="$a"; prev="$a"; done
        printf '%s' '\(marker)' > "$out"
        """
    } else {
      body = "exec gcc \"$@\""
    }
    try write(
      name, "#!/bin/sh\necho $$ > \(path(name)).pid\nsleep \(seconds)\n\(body)\n", executable: true)
    return path(name)
  }

  /// Starts our daemon on a free port of `listen` (its log in `logPath`) and waits until it serves.
  func startDaemon(
    _ arguments: [String] = [], environment: [String: String] = [:], listen: String = "127.0.0.1"
  ) throws {
    daemon = try TestDaemon(
      .ours, listen: listen, arguments: arguments,
      environment: ProcessEnvironment.current().merging(["TMPDIR": tmpdir]) { $1 }.merging(
        environment
      ) { $1 }, logPath: logPath)
  }

  var daemonPid: pid_t? { daemon?.pid }

  var log: String { String(decoding: contents("distccd.log") ?? [], as: UTF8.self) }

  /// Waits (bounded) until the daemon's log holds `count` job summaries with `result`.
  func waitForSummaries(_ result: String, count: Int = 1, timeout: Double = 15) -> Bool {
    waitForLog(timeout: timeout) { $0.components(separatedBy: " \(result) ").count - 1 >= count }
  }

  /// Waits (bounded) until the daemon's log satisfies `condition`.
  func waitForLog(timeout: Double = 15, _ condition: (String) -> Bool) -> Bool {
    Wait.until(seconds: timeout) { condition(log) }
  }

  /// How a stopped daemon ended: `exit` with a status, or killed by a signal.
  enum TerminationReason { case exit, uncaughtSignal }

  /// Sends `signal` (0: none) to the daemon and waits for it to exit; returns its exit status or signal.
  func stopDaemon(_ signal: Int32 = SIGTERM) -> (Int32, TerminationReason)? {
    guard let status = daemon?.stop(signal: signal, grace: 30) else { return nil }
    if let killer = status.signal { return (killer, .uncaughtSignal) }
    return (status.exitCode ?? -1, .exit)
  }

  typealias Output = ProcessResult

  /// Runs a program (Debian's `distcc`, gcc) in the world directory, with the test's environment plus
  /// this world's `DISTCC_DIR` and client `TMPDIR`, and `environment`.
  func run(_ program: String, _ arguments: [String], environment: [String: String] = [:]) throws
    -> Output
  {
    try directory.makeDirectories("client-tmp")
    try directory.makeDirectories("distcc-dir")
    let base = ["DISTCC_DIR": path("distcc-dir"), "TMPDIR": path("client-tmp")]
    return try runProcess(
      [program] + arguments,
      environment: ProcessEnvironment.current().merging(base) { $1 }.merging(environment) { $1 },
      in: root)
  }

  /// Runs Debian's distcc 3.4 client against this world's daemon (`hostOptions` e.g. `,lzo`).
  func distcc(_ arguments: [String], hostOptions: String = "", environment: [String: String] = [:])
    throws -> Output
  {
    try runClient("/usr/bin/distcc", arguments, hostOptions: hostOptions, environment: environment)
  }

  /// Runs swift-distcc's own client against this world's daemon.
  func ourDistcc(
    _ arguments: [String], hostOptions: String = "", environment: [String: String] = [:]
  ) throws -> Output {
    try runClient(
      Binaries.ours("distcc"), arguments, hostOptions: hostOptions, environment: environment)
  }

  /// Runs the client `program` (Debian's or ours) against this world's daemon.
  func runClient(
    _ program: String, _ arguments: [String], hostOptions: String = "",
    environment: [String: String] = [:]
  ) throws -> Output {
    let hosts = ["DISTCC_HOSTS": "127.0.0.1:\(port)\(hostOptions)", "DISTCC_BACKOFF_PERIOD": "0"]
    return try run(program, arguments, environment: hosts.merging(environment) { $1 })
  }

  /// Runs our daemon `--inetd` (logging to `logPath`) with `request` on its standard input, to the end.
  func runInetd(
    _ arguments: [String], request: [UInt8], environment: [String: String] = [:]
  ) throws -> CommandResult {
    try TestProcess.run(
      [DaemonWorld.daemonPath, "--inetd", "--log-file", logPath, "--log-level", "info"] + arguments,
      environment: ProcessEnvironment.current().merging(["TMPDIR": tmpdir]) { $1 }.merging(
        environment
      ) { $1 }, input: request)
  }

  func contents(_ name: String) -> [UInt8]? { try? directory.read(name) }

  /// Names left in the daemon's TMPDIR.
  var leftovers: [String] { directory.list("tmp") }

  static func freePort(on host: String) throws -> Int { Int(try FreePort.pick(on: host)) }
}

extension DaemonWorld {
  /// Sends `request` (raw bytes) to the daemon and returns everything it answers before closing.
  func exchange(
    _ bytes: [UInt8], host: String = "127.0.0.1", from source: String? = nil, timeout: Double = 20
  ) throws -> [UInt8]? {
    let connection = try TestConnection(host: host, port: port, from: source)
    try connection.send(bytes)
    return connection.readToEnd(timeout: timeout)
  }

  /// Sends `bytes` (ignoring a failed send: the daemon may close early) on a fresh connection,
  /// half-closes, and returns what came back (nil: no close within `timeout`).
  func sendHalfClosed(_ bytes: [UInt8], timeout: Double = 20) throws -> [UInt8]? {
    let connection = try TestConnection(host: "127.0.0.1", port: port)
    if !bytes.isEmpty { try? connection.send(bytes) }
    connection.shutdownWrite()
    return connection.readToEnd(timeout: timeout)
  }

  /// A protocol-1/2 request compiling `source` text with `compiler`.
  static func request(
    _ version: ProtocolVersion = .v1, compiler: String = "gcc", extra: [String] = [],
    source: String = "int x;\n"
  ) throws -> [UInt8] {
    let arguments = [compiler, "-c", "t.c", "-o", "t.o"] + extra
    return try Request(
      version: version, arguments: arguments.map { Array($0.utf8) }, source: Array(source.utf8)
    )
    .encoded()
  }

  /// Sends `request` and decodes the complete reply (throws if there is none).
  func reply(to request: [UInt8], version: ProtocolVersion = .v1) throws -> Response {
    guard let bytes = try exchange(request) else {
      throw TestFailure("no reply before the time-out")
    }
    guard let response = try DaemonWorld.decode(bytes, version) else {
      throw TestFailure("incomplete reply: \(bytes.count) bytes")
    }
    return response
  }

  static func decode(_ bytes: [UInt8], _ version: ProtocolVersion = .v1) throws -> Response? {
    var decoder = ResponseDecoder(expecting: version)
    decoder.append(bytes)
    return try decoder.next()
  }
}

/// How Debian's client ends a job our daemon refuses, by its fallback settings: compiled locally (also
/// with `DISTCC_SKIP_LOCAL_RETRY`), or failed with the refusal's status 150 under `DISTCC_FALLBACK=0`.
struct RefusalFallback: CustomTestStringConvertible, Sendable {
  var environment: [String: String]
  var status: Int32
  var compilesLocally: Bool
  var testDescription: String { "\(environment)" }

  static let all = [
    RefusalFallback(environment: [:], status: 0, compilesLocally: true),
    RefusalFallback(
      environment: ["DISTCC_SKIP_LOCAL_RETRY": "1"], status: 0, compilesLocally: true),
    RefusalFallback(environment: ["DISTCC_FALLBACK": "0"], status: 150, compilesLocally: false),
  ]
}
