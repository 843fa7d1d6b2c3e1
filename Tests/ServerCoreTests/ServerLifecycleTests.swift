import DistPosix
import DistProtocol
import DistTestSupport
import Glibc
import ServerCore
import SystemPackage
import Testing

/// A `Server` started and stopped from code, in this process: no signals, no executable (issue 17).
@Suite(.serialized, .timeLimit(.minutes(3))) struct ServerLifecycleTests {
  /// A configuration on 127.0.0.1 port 0 whose jobs run `compiler` (listed in a `DISTCC_CMDLIST` of the
  /// test's own), unconfined, with job files under `directory`.
  static func configuration(in directory: TestDirectory, compiler: String = "/usr/bin/gcc") throws
    -> ServerConfiguration
  {
    let list = try directory.write("cmdlist", compiler + "\n")
    let tmp = directory.appending("tmp")
    try directory.makeDirectories(tmp)
    var configuration = try ServerConfiguration(environment: [
      "PATH": "/usr/bin:/bin", "TMPDIR": tmp, "DISTCC_CMDLIST": list,
    ])
    configuration.listenAddress = "127.0.0.1"
    configuration.port = 0
    configuration.jobs = 2
    configuration.confinement.enabled = false
    return configuration
  }

  /// Sends one protocol-2 compile of `source` and returns the reply, or `nil` if the daemon closed first.
  static func compile(port: Int, compiler: String = "gcc", source: String = "int x;\n") throws
    -> Response?
  {
    let address = try #require(SocketAddress(numericHost: "127.0.0.1", port: UInt16(port)))
    let fd = try Socket.connect(to: address, deadline: .after(seconds: 10))
    defer { fd.closeIgnoringErrors() }
    let request = Request(
      version: .v2, arguments: [compiler, "-c", "t.c", "-o", "t.o"].map { Array($0.utf8) },
      source: Array(source.utf8))
    try fd.writeAll(try request.encoded(), deadline: .after(seconds: 10))
    var decoder = ResponseDecoder(expecting: .v2)
    while true {
      let bytes = try fd.readSome(upTo: 65536, deadline: .after(seconds: 60))
      if bytes.isEmpty { return nil }
      decoder.append(bytes)
      if let response = try decoder.next() { return response }
    }
  }

  static var threadCount: Int {
    (try? FileContents.read("/proc/self/status", limit: 1 << 16)).map {
      String(decoding: $0, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("Threads:") }
        .flatMap { Int($0.dropFirst(8).trimmingPrefix(while: \.isWhitespace)) } ?? 0
    } ?? 0
  }

  static func descriptorCount(_ directory: TestDirectory) -> Int {
    directory.list("/proc/self/fd").count
  }

  /// 100 servers in a row in one process, each serving a real compile on a port the kernel chose, then shut
  /// down: no thread, descriptor or job directory is left behind.
  @Test func hundredServersStartServeAndStopWithoutLeaks() async throws {
    let directory = try TestDirectory()
    let configuration = try Self.configuration(in: directory)
    // One round first, so lazily created process-wide state (the /dev/null descriptor) is not counted.
    try await Self.oneRound(configuration, compile: true)
    let threads = Self.threadCount
    let descriptors = Self.descriptorCount(directory)
    for round in 0..<100 {
      try await Self.oneRound(configuration, compile: round % 10 == 0)
    }
    // Connection threads idle up to 60 s before they end; the pool's are bounded per server and end with it.
    #expect(
      try await Self.eventually { Self.threadCount <= threads },
      "threads \(threads) → \(Self.threadCount)")
    // The count is the process's: suites running beside this one (EmbeddingTests) open and close their own,
    // so it must come back to at most where it was, not exactly.
    #expect(
      try await Self.eventually { Self.descriptorCount(directory) <= descriptors },
      "descriptors \(descriptors) → \(Self.descriptorCount(directory))")
    #expect(directory.list("tmp").isEmpty)
  }

  static func oneRound(_ configuration: ServerConfiguration, compile: Bool) async throws {
    let server = Server(configuration: configuration, logger: ServerLogger(destination: .none))
    let listeners = try server.bindListeners()
    let port = try #require(listeners.compilePort)
    #expect(port != 0)
    let serving = Task { try await server.serve(listeners: listeners) }
    if compile {
      let reply = try #require(try Self.compile(port: port))
      #expect(reply.status.isSuccess)
      #expect(!reply.object.isEmpty)
    }
    server.shutdown()
    try await serving.value
    #expect(server.stopReason == .shutdown(graceful: true))
  }

  static func eventually(_ condition: () -> Bool) async throws -> Bool {
    for _ in 0..<200 {
      if condition() { return true }
      try await Task.sleep(for: .milliseconds(50))
    }
    return condition()
  }

  /// A stand-in compiler that waits for `release` to exist, then writes its `-o` file.
  static func blockingCompiler(in directory: TestDirectory) throws -> (
    compiler: String, release: String
  ) {
    let release = directory.appending("release")
    let started = directory.appending("started")
    let compiler = try directory.write(
      "slowcc",
      """
      #!/bin/sh
      touch '\(started)'
      while [ ! -e '\(release)' ]; do sleep 0.02; done
      out=; prev=
      for a in "$@"; do [ "$prev" = -o ] && out=$a; prev=$a; done
      echo object > "$out"

      """, mode: 0o755)
    return (compiler, release)
  }

  /// Shut down with a job in flight: a graceful shutdown lets it finish and reply; an immediate one kills the
  /// compiler and closes the connection without a partial reply. Either way no job directory is left.
  @Test(arguments: [true, false])
  func shutdownWithAJobInFlight(graceful: Bool) async throws {
    let directory = try TestDirectory()
    let (compiler, release) = try Self.blockingCompiler(in: directory)
    let configuration = try Self.configuration(in: directory, compiler: compiler)
    let server = Server(configuration: configuration, logger: ServerLogger(destination: .none))
    let listeners = try server.bindListeners()
    let port = try #require(listeners.compilePort)
    let serving = Task { try await server.serve(listeners: listeners) }
    let job = Task.detached { try Self.compile(port: port, compiler: compiler) }
    #expect(try await Self.eventually { directory.exists("started") }, "the compiler never started")
    server.shutdown(gracePeriod: graceful ? 30 : 0)
    if graceful {
      // Still serving the job: it finishes once released.
      try await Task.sleep(for: .milliseconds(200))
      _ = try directory.write("release", "")
    }
    let reply = try await job.value
    try await serving.value
    #expect(server.stopReason == .shutdown(graceful: graceful))
    if graceful {
      #expect(reply?.status.isSuccess == true)
      #expect(reply?.object == Array("object\n".utf8))
    } else {
      // Killed: the connection closes, or a complete reply says the compiler died (no object).
      #expect(
        reply.map { !$0.status.isSuccess && $0.object.isEmpty } ?? true,
        "\(String(describing: reply))")
      _ = try? directory.write("release", "")
    }
    #expect(directory.list("tmp").isEmpty)
    _ = release
  }
}
