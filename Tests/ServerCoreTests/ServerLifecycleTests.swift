import DistPosix
import DistProtocol
import DistTestSupport
import Glibc
import SystemPackage
import Testing

@testable import ServerCore

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

  static func descriptorCount(_ directory: TestDirectory) -> Int {
    directory.list("/proc/self/fd").count
  }

  /// 100 servers in a row in one process, each serving a real compile on a port the kernel chose, then shut
  /// down: each server's connection threads all end, no job directory is left, and the process's descriptors
  /// do not grow with the rounds (other suites run beside this one, so the count is allowed to wander a
  /// little, but a descriptor leaked per server would add 100).
  @Test func hundredServersStartServeAndStopWithoutLeaks() async throws {
    let directory = try TestDirectory()
    let configuration = try Self.configuration(in: directory)
    // One round first, so lazily created process-wide state (the /dev/null descriptor) is not counted.
    _ = try await Self.oneRound(configuration, compile: true)
    let descriptors = Self.descriptorCount(directory)
    var servers: [Server] = []
    for round in 0..<100 {
      servers.append(try await Self.oneRound(configuration, compile: round % 10 == 0))
    }
    #expect(
      try await Self.eventually { servers.allSatisfy { $0.workers.liveThreads == 0 } },
      "threads still running: \(servers.map { $0.workers.liveThreads }.reduce(0, +))")
    #expect(
      servers.reduce(0) { $0 + $1.workers.threadsStarted } >= 10, "the compiles ran on pool threads"
    )
    let grown = Self.descriptorCount(directory) - descriptors
    #expect(grown < 50, "descriptors \(descriptors) → \(descriptors + grown)")
    #expect(directory.list("tmp").isEmpty)
  }

  static func oneRound(_ configuration: ServerConfiguration, compile: Bool) async throws -> Server {
    let server = Server(configuration: configuration, logger: ServerLogger(destination: .none))
    let listeners = try server.bindListeners()
    let port = try #require(listeners.compilePort)
    #expect(port != 0)
    let serving = Task { try await server.serve(listeners: listeners) }
    if compile {
      let reply = try #require(try await OwnThread.run { try Self.compile(port: port) })
      #expect(reply.status.isSuccess)
      #expect(!reply.object.isEmpty)
    }
    server.shutdown()
    try await serving.value
    #expect(server.stopReason == .shutdown(graceful: true))
    return server
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
