import DistState
import Foundation
import Testing

/// State files written by Debian's distcc 3.4 client during a real compile on a real 3.4 daemon.
@Suite(.enabled(if: RealDistcc.isInstalled, "needs /usr/bin/distcc and /usr/bin/distccd"))
struct RealClientTests {
  @Test func decodesTheFilesOf34DuringARealCompile() throws {
    let farm = try RealDistcc()
    defer { farm.stop() }
    let client = try farm.startCompile()
    let pid = Int64(client.processIdentifier)
    let state = StateDirectory(distccDirectory: farm.distccDirectory)
    let file = StateFile(directory: state, pid: client.processIdentifier)

    // Blocked in the preprocessor: the local record, with 3.4's empty file name.
    try farm.waitForStage("cpp")
    let preprocessing = try farm.waitForRecord(in: file) { $0.phase == .preprocess }
    #expect(
      preprocessing
        == StateRecord(pid: pid, file: "", host: "localhost", slot: 0, phase: .preprocess))
    #expect(try state.scan().records == [preprocessing])
    try farm.release("cpp")

    // Blocked in the daemon's compiler: the remote record.
    try farm.waitForStage("cc")
    let compiling = try farm.waitForRecord(in: file) { $0.phase == .compile }
    #expect(
      compiling
        == StateRecord(pid: pid, file: "hello.c", host: "127.0.0.1", slot: 0, phase: .compile))
    // Our encoder writes the same bytes the real client wrote.
    #expect(compiling.encode() == Array(FileManager.default.contents(atPath: file.path) ?? Data()))
    try farm.release("cc")

    client.waitUntilExit()
    #expect(client.terminationStatus == 0)
    #expect(!FileManager.default.fileExists(atPath: file.path))
    #expect(FileManager.default.fileExists(atPath: farm.directory.path + "/hello.o"))
  }
}

/// A real 3.4 daemon on a loopback port and a compiler that blocks, on a fifo, once when preprocessing on
/// the client and once when compiling on the daemon, so a test sees each phase for as long as it wants.
struct RealDistcc {
  static var isInstalled: Bool {
    ["/usr/bin/distcc", "/usr/bin/distccd"].allSatisfy {
      FileManager.default.isExecutableFile(atPath: $0)
    }
  }

  let directory: TemporaryDirectory
  let daemon: Process
  let port: UInt16
  var distccDirectory: String { directory.path + "/distcc" }

  init() throws {
    directory = try TemporaryDirectory()
    let path = directory.path
    try directory.write(Array("int main(void) { return 0; }\n".utf8), to: "hello.c")
    try directory.write(
      Array(
        """
        #!/bin/sh
        case " $* " in *" -E "*) stage=cpp;; *) stage=cc;; esac
        : > \(path)/$stage.started
        cat \(path)/$stage.fifo > /dev/null
        exec gcc "$@"

        """.utf8), to: "fakecc")
    chmod(path + "/fakecc", 0o755)
    for stage in ["cpp", "cc"] { mkfifo(path + "/\(stage).fifo", 0o666) }
    mkdir(path + "/distcc", 0o755)
    port = try Self.freePort()
    daemon = Process()
    daemon.executableURL = URL(fileURLWithPath: "/usr/bin/distccd")
    daemon.arguments = [
      "--daemon", "--no-detach", "--listen", "127.0.0.1", "--port", "\(port)", "--allow",
      "127.0.0.1",
      "--enable-tcp-insecure", "--jobs", "2", "--log-stderr", "--log-level", "info",
    ]
    _ = FileManager.default.createFile(atPath: path + "/distccd.log", contents: nil)
    daemon.standardError = FileHandle(forWritingAtPath: path + "/distccd.log")
    try daemon.run()
    try Self.waitUntil("distccd listening") {
      (try? String(contentsOfFile: path + "/distccd.log", encoding: .utf8))?.contains(
        "preforking daemon started") ?? false
    }
  }

  /// Starts `distcc fakecc -c hello.c -o hello.o` with one slot on the daemon.
  func startCompile() throws -> Process {
    let client = Process()
    client.executableURL = URL(fileURLWithPath: "/usr/bin/distcc")
    client.arguments = [directory.path + "/fakecc", "-c", "hello.c", "-o", "hello.o"]
    client.currentDirectoryURL = URL(fileURLWithPath: directory.path)
    client.environment = [
      "PATH": "/usr/bin:/bin", "DISTCC_DIR": distccDirectory, "DISTCC_HOSTS": "127.0.0.1:\(port)/1",
    ]
    try client.run()
    return client
  }

  func waitForStage(_ stage: String) throws {
    try Self.waitUntil("\(stage) to start") { directory.exists("\(stage).started") }
  }

  /// Lets a blocked stage go on: opening and closing the fifo gives its reader end-of-file.
  func release(_ stage: String) throws {
    let descriptor = open(directory.path + "/\(stage).fifo", O_WRONLY)
    guard descriptor >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    close(descriptor)
  }

  func waitForRecord(in file: StateFile, where matches: (StateRecord) -> Bool) throws -> StateRecord
  {
    var found: StateRecord?
    try Self.waitUntil("a matching record in \(file.path)") {
      guard let bytes = FileManager.default.contents(atPath: file.path),
        let record = try? StateRecord(decoding: [UInt8](bytes)), matches(record)
      else { return false }
      found = record
      return true
    }
    return found!
  }

  /// Stops the daemon and its workers by process group: 3.4's daemon makes its own group, and it
  /// inherits a signal mask from the test process in which SIGTERM may be blocked.
  func stop() {
    kill(-daemon.processIdentifier, SIGKILL)
    kill(daemon.processIdentifier, SIGKILL)
    daemon.waitUntilExit()
    directory.remove()
  }

  /// Polls `condition` every 10 ms for up to 20 s.
  static func waitUntil(_ what: String, _ condition: () -> Bool) throws {
    let deadline = Date().addingTimeInterval(20)
    while !condition() {
      guard Date() < deadline else { throw TimedOut(what: what) }
      usleep(10_000)
    }
  }

  struct TimedOut: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(what)" }
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
