import DistProtocol
import DistTestSupport
import Foundation
import Glibc

/// Test fixture: a private world directory (sources, TMPDIR, log, fake compilers) and, optionally, our
/// `distccd` running on a free loopback port, stopped by pid when the test ends.
final class DaemonWorld: @unchecked Sendable {  // mutated only before concurrent use (startDaemon)
  static let packageRoot = Binaries.packageRoot
  static let daemonPath = Binaries.ours("distccd")

  let root: String
  var tmpdir: String { root + "/tmp" }
  var logPath: String { root + "/distccd.log" }
  private(set) var daemon: Process?
  private(set) var port = 0

  init() throws {
    var template = Array("/tmp/distccd-test-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw TestFailure("mkdtemp failed") }
    root = String(cString: made)
    // The daemon drops root to `distccd` when the tests run as root: let it work here.
    chmod(root, 0o777)
    try FileManager.default.createDirectory(atPath: tmpdir, withIntermediateDirectories: true)
    chmod(tmpdir, 0o777)
    try write("hello.c", "#include <stdio.h>\nint main(void) { puts(\"hello\"); return 0; }\n")
    try write(
      "hello.cpp",
      "#include <string>\nstd::string greet() { return std::string(\"hi\") + \"!\"; }\n")
    try write("warn.c", "int f(void) { int unused; return 0; }\n")
    try write("bad.c", "int f(void) { return syntax error; }\n")
  }

  deinit {
    if let daemon, daemon.isRunning {
      kill(daemon.processIdentifier, SIGKILL)
      daemon.waitUntilExit()
    }
    removeTree(root)
  }

  func path(_ name: String) -> String { "\(root)/\(name)" }

  func write(_ name: String, _ text: String, executable: Bool = false) throws {
    try text.write(toFile: path(name), atomically: true, encoding: .utf8)
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

  /// Starts our daemon on a free port of `listen` and waits until it logs that it is serving.
  func startDaemon(
    _ arguments: [String] = [], environment: [String: String] = [:], listen: String = "127.0.0.1"
  ) throws {
    port = try DaemonWorld.freePort(on: listen)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: DaemonWorld.daemonPath)
    process.arguments =
      [
        "--daemon", "--no-detach", "--log-file", logPath, "--log-level", "info", "--port",
        "\(port)", "--listen", listen,
      ]
      + arguments
    var env = ProcessInfo.processInfo.environment
    env["TMPDIR"] = tmpdir
    for (key, value) in environment { env[key] = value }
    process.environment = env
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    daemon = process
    let deadline = Date().addingTimeInterval(20)
    while !log.contains("daemon started") {
      guard process.isRunning else {
        throw TestFailure("distccd exited \(process.terminationStatus): \(log)")
      }
      guard Date() < deadline else { throw TestFailure("distccd did not start: \(log)") }
      usleep(20_000)
    }
  }

  var daemonPid: pid_t? { daemon?.processIdentifier }

  var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

  /// Waits (bounded) until the daemon's log holds `count` job summaries with `result`.
  func waitForSummaries(_ result: String, count: Int = 1, timeout: Double = 15) -> Bool {
    waitForLog(timeout: timeout) { $0.components(separatedBy: " \(result) ").count - 1 >= count }
  }

  /// Waits (bounded) until the daemon's log satisfies `condition`.
  func waitForLog(timeout: Double = 15, _ condition: (String) -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if condition(log) { return true }
      usleep(20_000)
    }
    return condition(log)
  }

  /// Sends `signal` to the daemon and waits for it to exit; returns its termination status and reason.
  func stopDaemon(_ signal: Int32 = SIGTERM) -> (Int32, Process.TerminationReason)? {
    guard let daemon else { return nil }
    if signal != 0 { kill(daemon.processIdentifier, signal) }
    daemon.waitUntilExit()
    return (daemon.terminationStatus, daemon.terminationReason)
  }

  struct Output {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  /// Runs a program (Debian's `distcc`, gcc) in the world directory.
  func run(_ program: String, _ arguments: [String], environment: [String: String] = [:]) throws
    -> Output
  {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: root)
    var env = ProcessInfo.processInfo.environment
    env["DISTCC_DIR"] = path("distcc-dir")
    env["TMPDIR"] = path("client-tmp")
    try? FileManager.default.createDirectory(
      atPath: path("client-tmp"), withIntermediateDirectories: true)
    try? FileManager.default.createDirectory(
      atPath: path("distcc-dir"), withIntermediateDirectories: true)
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Output(
      status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
      stderr: String(decoding: errData, as: UTF8.self))
  }

  /// Runs Debian's distcc 3.4 client against this world's daemon (`hostOptions` e.g. `,lzo`).
  func distcc(_ arguments: [String], hostOptions: String = "", environment: [String: String] = [:])
    throws -> Output
  {
    var env = ["DISTCC_HOSTS": "127.0.0.1:\(port)\(hostOptions)", "DISTCC_BACKOFF_PERIOD": "0"]
    for (key, value) in environment { env[key] = value }
    return try run("/usr/bin/distcc", arguments, environment: env)
  }

  /// Runs swift-distcc's own client against this world's daemon.
  func ourDistcc(
    _ arguments: [String], hostOptions: String = "", environment: [String: String] = [:]
  ) throws -> Output {
    var env = ["DISTCC_HOSTS": "127.0.0.1:\(port)\(hostOptions)", "DISTCC_BACKOFF_PERIOD": "0"]
    for (key, value) in environment { env[key] = value }
    return try run(Binaries.ours("distcc"), arguments, environment: env)
  }

  func contents(_ name: String) -> [UInt8]? {
    FileManager.default.contents(atPath: path(name)).map { Array($0) }
  }

  /// Names left in the daemon's TMPDIR.
  var leftovers: [String] { (try? FileManager.default.contentsOfDirectory(atPath: tmpdir)) ?? [] }

  static func freePort(on host: String) throws -> Int { Int(try FreePort.pick(on: host)) }
}

struct TestFailure: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

func removeTree(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

/// A raw TCP client socket, for speaking the protocol byte by byte (and from chosen loopback addresses).
final class RawSocket {
  let fd: Int32
  let family: Int32

  init(family: Int32 = AF_INET) throws {
    fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
    self.family = family
    guard fd >= 0 else { throw TestFailure("socket: \(errno)") }
  }

  deinit { close(fd) }

  private func withAddress<T>(
    _ host: String, _ port: Int, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T
  ) -> T {
    if family == AF_INET6 {
      var sin6 = sockaddr_in6()
      sin6.sin6_family = sa_family_t(AF_INET6)
      sin6.sin6_port = UInt16(port).bigEndian
      inet_pton(AF_INET6, host, &sin6.sin6_addr)
      return withUnsafePointer(to: &sin6) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
        }
      }
    }
    var sin = sockaddr_in()
    sin.sin_family = sa_family_t(AF_INET)
    sin.sin_port = UInt16(port).bigEndian
    inet_pton(AF_INET, host, &sin.sin_addr)
    return withUnsafePointer(to: &sin) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
  }

  func bind(host: String, port: Int) throws {
    guard withAddress(host, port, { Glibc.bind(fd, $0, $1) }) == 0 else {
      throw TestFailure("bind \(host): \(errno)")
    }
  }

  func connect(host: String, port: Int, from source: String? = nil) throws {
    if let source { try bind(host: source, port: 0) }
    guard withAddress(host, port, { Glibc.connect(fd, $0, $1) }) == 0 else {
      throw TestFailure("connect \(host):\(port): \(errno)")
    }
  }

  var localPort: Int {
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    _ = withUnsafeMutablePointer(to: &storage) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return withUnsafePointer(to: &storage) {
      $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
        Int(UInt16(bigEndian: $0.pointee.sin_port))
      }
    }
  }

  func send(_ bytes: [UInt8]) throws {
    var offset = 0
    while offset < bytes.count {
      let sent = bytes.withUnsafeBytes {
        Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
      }
      guard sent > 0 else { throw TestFailure("send: \(errno)") }
      offset += sent
    }
  }

  func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

  /// Reads until EOF (or `timeout` seconds); nil on time-out.
  func readToEnd(timeout: Double = 20) -> [UInt8]? {
    var result: [UInt8] = []
    let deadline = Date().addingTimeInterval(timeout)
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
      let left = deadline.timeIntervalSinceNow
      if left <= 0 { return nil }
      var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      if poll(&entry, 1, Int32(left * 1000)) <= 0 { continue }
      let got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
      if got <= 0 { return result }
      result += buffer[0..<got]
    }
  }
}

extension DaemonWorld {
  /// Sends `request` (raw bytes) to the daemon and returns everything it answers before closing.
  func exchange(
    _ bytes: [UInt8], host: String = "127.0.0.1", from source: String? = nil, timeout: Double = 20
  )
    throws -> [UInt8]?
  {
    let socket = try RawSocket(family: host.contains(":") ? AF_INET6 : AF_INET)
    try socket.connect(host: host, port: port, from: source)
    try socket.send(bytes)
    return socket.readToEnd(timeout: timeout)
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
