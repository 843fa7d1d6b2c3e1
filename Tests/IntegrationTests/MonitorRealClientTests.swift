import DistTestSupport
import Foundation
import Testing

/// Both monitors watching Debian's 3.4 client during a real compile on a real 3.4 daemon, and both in
/// repeat mode.
@Suite(.enabled(if: MonitorFarm.isInstalled, "needs Debian's distcc, distccd and distccmon-text"))
struct MonitorRealClientTests {
  /// Debian's client, and ours, which must write the same state files.
  static let clients = ["/usr/bin/distcc", Binaries.ours("distcc")]

  @Test(arguments: clients)
  func showsARealClientAs34Does(_ distcc: String) throws {
    let farm = try MonitorFarm()
    defer { farm.stop() }
    let client = try farm.startCompile(with: distcc)
    let pid = String(client.processIdentifier)
    let padded = String(repeating: " ", count: max(0, 6 - pid.count)) + pid

    try farm.waitForStage("cpp")
    try farm.waitForMonitorLine(containing: "Preprocess")
    let preprocessing = try farm.compareMonitors()
    #expect(
      preprocessing
        == "\(padded)  Preprocess                                                localhost[0]\n\n")
    try farm.release("cpp")

    try farm.waitForStage("cc")
    try farm.waitForMonitorLine(containing: "Compile")
    let compiling = try farm.compareMonitors()
    #expect(
      compiling
        == "\(padded)  Compile     hello.c                                       127.0.0.1[0]\n\n")
    try farm.release("cc")

    client.waitUntilExit()
    #expect(client.terminationStatus == 0)
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
    let process = Process()
    process.executableURL = URL(fileURLWithPath: monitor)
    process.arguments = arguments
    process.environment = environment
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    defer {
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
    }
    var output: [UInt8] = []
    var blocks: [[UInt8]] = []
    while blocks.count < count {
      let chunk = pipe.fileHandleForReading.availableData
      if chunk.isEmpty { break }
      output += chunk
      while let end = output.indices.dropLast().first(where: {
        output[$0] == 10 && output[$0 + 1] == 10
      }) {
        blocks.append(Array(output[...(end + 1)]))
        output.removeFirst(end + 2)
      }
    }
    return Array(blocks.prefix(count))
  }
}

/// A real 3.4 daemon on a loopback port and a compiler that blocks on a fifo, once when preprocessing on
/// the client and once when compiling on the daemon, so both monitors can look at each phase at leisure.
struct MonitorFarm {
  static var isInstalled: Bool {
    ["/usr/bin/distcc", "/usr/bin/distccd", MonitorFixtures.debianMonitor].allSatisfy {
      FileManager.default.isExecutableFile(atPath: $0)
    }
  }

  let directory: String
  let daemon: Process
  let port: UInt16
  var distccDirectory: String { directory + "/distcc" }

  init() throws {
    directory = try MonitorFixtures.makeDirectory()
    try MonitorFixtures.write(
      Array("int main(void) { return 0; }\n".utf8), to: directory + "/hello.c")
    try MonitorFixtures.write(
      Array(
        """
        #!/bin/sh
        case " $* " in *" -E "*) stage=cpp;; *) stage=cc;; esac
        : > \(directory)/$stage.started
        cat \(directory)/$stage.fifo > /dev/null
        exec gcc "$@"

        """.utf8), to: directory + "/fakecc")
    chmod(directory + "/fakecc", 0o755)
    for stage in ["cpp", "cc"] { mkfifo(directory + "/\(stage).fifo", 0o666) }
    mkdir(directory + "/distcc", 0o755)
    port = try Self.freePort()
    daemon = Process()
    daemon.executableURL = URL(fileURLWithPath: "/usr/bin/distccd")
    daemon.arguments = [
      "--daemon", "--no-detach", "--listen", "127.0.0.1", "--port", "\(port)", "--allow",
      "127.0.0.1",
      "--enable-tcp-insecure", "--jobs", "2", "--log-stderr", "--log-level", "info",
    ]
    let log = directory + "/distccd.log"
    _ = FileManager.default.createFile(atPath: log, contents: nil)
    daemon.standardError = FileHandle(forWritingAtPath: log)
    try daemon.run()
    try Self.waitUntil("distccd to start") {
      (try? String(contentsOfFile: log, encoding: .utf8))?.contains("preforking daemon started")
        ?? false
    }
  }

  /// Starts `distcc fakecc -c hello.c -o hello.o` with one slot on the daemon.
  func startCompile(with distcc: String) throws -> Process {
    let client = Process()
    client.executableURL = URL(fileURLWithPath: distcc)
    client.arguments = [directory + "/fakecc", "-c", "hello.c", "-o", "hello.o"]
    client.currentDirectoryURL = URL(fileURLWithPath: directory)
    client.environment = [
      "PATH": "/usr/bin:/bin", "DISTCC_DIR": distccDirectory, "DISTCC_HOSTS": "127.0.0.1:\(port)/1",
    ]
    try client.run()
    return client
  }

  func waitForStage(_ stage: String) throws {
    try Self.waitUntil("\(stage) to start") {
      FileManager.default.fileExists(atPath: directory + "/\(stage).started")
    }
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

  /// Lets a blocked stage go on: opening and closing the fifo gives its reader end-of-file.
  func release(_ stage: String) throws {
    let descriptor = open(directory + "/\(stage).fifo", O_WRONLY)
    guard descriptor >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    close(descriptor)
  }

  /// Stops the daemon and its workers by process group (3.4's daemon makes its own group, and may
  /// inherit a signal mask that blocks SIGTERM), then removes the directory.
  func stop() {
    kill(-daemon.processIdentifier, SIGKILL)
    kill(daemon.processIdentifier, SIGKILL)
    daemon.waitUntilExit()
    try? FileManager.default.removeItem(atPath: directory)
  }

  /// Polls `condition` every 10 ms for up to 20 s.
  static func waitUntil(_ what: String, _ condition: () -> Bool) throws {
    let deadline = Date().addingTimeInterval(20)
    while !condition() {
      guard Date() < deadline else { throw MonitorTimeout(what: what) }
      usleep(10_000)
    }
  }

  /// A port the kernel just handed out on 127.0.0.1 (3.4's daemon cannot take a bound socket).
  static func freePort() throws -> UInt16 {
    let socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socketDescriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(socketDescriptor, $0, length) == 0 && getsockname(socketDescriptor, $0, &length) == 0
      }
    }
    guard bound else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    return UInt16(bigEndian: address.sin_port)
  }
}

struct MonitorTimeout: Error, CustomStringConvertible {
  let what: String
  var description: String { "timed out waiting for \(what)" }
}
