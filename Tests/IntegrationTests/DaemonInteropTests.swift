import DistProtocol
import DistTestSupport
import Foundation
import Glibc
import Testing

/// Debian's distcc 3.4 client against our distccd, on loopback.
@Suite(.serialized) struct DaemonInteropTests {
  static let hostOptions = ["", ",lzo"]

  /// Compiles `source` with `compiler -O2` through `client` (Debian's or ours) on a fresh daemon and
  /// locally: the objects must be equal, and the daemon must have compiled the job (not the fallback).
  static func expectRemoteEqualsLocal(
    client: String, compiler: String, source: String, hostOption: String
  ) throws -> DaemonWorld {
    let world = try DaemonWorld()
    try world.startDaemon()
    let remote = try world.runClient(
      client, [compiler, "-O2", "-c", source, "-o", "remote.o"], hostOptions: hostOption)
    #expect(remote.status == 0, "\(remote.stderr)")
    let local = try world.run("/usr/bin/\(compiler)", ["-O2", "-c", source, "-o", "local.o"])
    #expect(local.status == 0)
    #expect(world.contents("remote.o") != nil)
    #expect(world.contents("remote.o") == world.contents("local.o"))
    #expect(
      world.waitForSummaries("COMPILE_OK"), "the job was compiled remotely, not by the fallback")
    return world
  }

  @Test(arguments: hostOptions, [("gcc", "hello.c"), ("g++", "hello.cpp")])
  func objectsEqualALocalCompile(hostOption: String, job: (compiler: String, source: String)) throws
  {
    let world = try Self.expectRemoteEqualsLocal(
      client: "/usr/bin/distcc", compiler: job.compiler, source: job.source, hostOption: hostOption)
    #expect(world.leftovers.isEmpty, "left in TMPDIR: \(world.leftovers)")
  }

  /// swift-distcc's client against our daemon: the same bytes as Debian's client.
  @Test(arguments: hostOptions)
  func ourClientAgainstOurDaemon(hostOption: String) throws {
    _ = try Self.expectRemoteEqualsLocal(
      client: Binaries.ours("distcc"), compiler: "gcc", source: "hello.c", hostOption: hostOption)
  }

  /// A refusal reaches our client as one line, and the job is compiled locally.
  @Test func ourClientShowsARefusalAndCompilesLocally() throws {
    let world = try DaemonWorld()
    let compiler = try world.fakeCompiler("mycc")
    try world.startDaemon()
    let result = try world.ourDistcc(
      [compiler, "-c", "hello.c", "-o", "hello.o"], environment: ["DISTCC_BACKOFF_PERIOD": "60"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(world.contents("hello.o") != nil)
    #expect(world.waitForSummaries("OTHER"))
    #expect(result.stderr.contains("cannot be an absolute path"), "\(result.stderr)")
    let backoff = world.path("distcc-dir/lock/backoff_tcp_127.0.0.1_\(world.port)_0")
    #expect(
      !FileManager.default.fileExists(atPath: backoff), "a refusal does not back the host off")
  }

  /// Debian's client in pump mode (protocol 3) against our daemon. Debian's include server is broken on
  /// this Python (protocol.md §9.3), so the include list comes from the client's `INCLUDE_SERVER_STUB`
  /// hook: a mirror tree of LZO files, as the include server would have written it.
  @Test func pumpModeWithDebiansClient() throws {
    let world = try DaemonWorld()
    try FileManager.default.createDirectory(
      atPath: world.path("inc"), withIntermediateDirectories: true)
    let sources = [
      "p.c": "#include \"greet.h\"\nint f(void) { return G; }\n", "inc/greet.h": "#define G 7\n",
    ]
    var stub: [String] = []
    for (name, text) in sources {
      try world.write(name, text)
      let mirrored = world.path("mirror") + world.path(name) + ".lzo"  // <3-component root><path>.lzo
      try FileManager.default.createDirectory(
        atPath: String(mirrored[..<mirrored.lastIndex(of: "/")!]), withIntermediateDirectories: true
      )
      try Data(LZO.compress(Array(text.utf8))).write(to: URL(fileURLWithPath: mirrored))
      stub.append(mirrored)
    }
    try world.startDaemon(["--log-level", "debug"])
    let result = try world.distcc(
      ["gcc", "-c", world.path("p.c"), "-I\(world.path("inc"))", "-MD", "-o", "p.o"],
      hostOptions: ",cpp,lzo",
      environment: [
        "INCLUDE_SERVER_STUB": stub.joined(separator: " "),
        "INCLUDE_SERVER_PORT": world.path("none"),
      ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(world.waitForSummaries("COMPILE_OK"))
    #expect(world.log.contains("got request: protocol 3"))
    let local = try world.run(
      "/usr/bin/gcc", ["-c", world.path("p.c"), "-I\(world.path("inc"))", "-o", "local.o"])
    #expect(local.status == 0)
    #expect(world.contents("p.o") == world.contents("local.o"))
    let deps = String(decoding: world.contents("p.d") ?? [], as: UTF8.self)
    #expect(deps.hasPrefix("p.o:"), "\(deps)")
    #expect(deps.contains(world.path("inc/greet.h")), "\(deps)")
    #expect(!deps.contains(world.tmpdir), "no job-root path leaks into the .d file")
    #expect(world.waitForLog { _ in world.leftovers.isEmpty })
  }

  @Test(arguments: hostOptions)
  func compileErrorRelaysStderrAndStatus(hostOption: String) throws {
    let world = try DaemonWorld()
    try world.startDaemon()
    let result = try world.distcc(
      ["gcc", "-c", "bad.c", "-o", "bad.o"], hostOptions: hostOption,
      environment: ["DISTCC_SKIP_LOCAL_RETRY": "1"])
    #expect(result.status == 1)
    #expect(result.stderr.contains("error"), "\(result.stderr)")
    #expect(world.waitForSummaries("COMPILE_ERROR"))
    #expect(world.contents("bad.o") == nil)
  }

  @Test(arguments: hostOptions)
  func warningIsRelayed(hostOption: String) throws {
    let world = try DaemonWorld()
    try world.startDaemon()
    let result = try world.distcc(
      ["gcc", "-Wall", "-c", "warn.c", "-o", "warn.o"], hostOptions: hostOption)
    #expect(result.status == 0)
    #expect(result.stderr.contains("unused variable"), "\(result.stderr)")
    #expect(world.waitForSummaries("COMPILE_OK"))
    #expect(world.contents("warn.o") != nil)
  }

  @Test func dependencyFileAndOutputInSubdirectory() throws {
    let world = try DaemonWorld()
    try world.startDaemon()
    try FileManager.default.createDirectory(
      atPath: world.path("obj/deep"), withIntermediateDirectories: true)
    let result = try world.distcc(
      ["gcc", "-MD", "-MF", "obj/hello.d", "-c", "hello.c", "-o", "obj/deep/hello.o"],
      hostOptions: ",lzo")
    #expect(result.status == 0, "\(result.stderr)")
    let deps = String(decoding: world.contents("obj/hello.d") ?? [], as: UTF8.self)
    #expect(deps.contains("hello.o: hello.c"), "\(deps)")
    #expect(deps.contains("stdio.h"))
    let local = try world.run("/usr/bin/gcc", ["-c", "hello.c", "-o", "local.o"])
    #expect(local.status == 0)
    #expect(world.contents("obj/deep/hello.o") == world.contents("local.o"))
    #expect(world.waitForSummaries("COMPILE_OK"))
  }

  @Test func severalConcurrentClients() throws {
    let world = try DaemonWorld()
    try world.startDaemon(["--jobs", "3"])
    let count = 8
    for index in 0..<count {
      try world.write("unit\(index).c", "int value\(index)(void) { return \(index); }\n")
    }
    let results = Mutex2<[Int32]>([])
    DispatchQueue.concurrentPerform(iterations: count) { index in
      let status =
        (try? world.distcc(
          ["gcc", "-c", "unit\(index).c", "-o", "unit\(index).o"], hostOptions: ",lzo"))?.status
        ?? -1
      results.withLock { $0.append(status) }
    }
    #expect(results.withLock { $0 } == Array(repeating: 0, count: count))
    #expect(world.waitForSummaries("COMPILE_OK", count: count))
    for index in 0..<count {
      let local = try world.run("/usr/bin/gcc", ["-c", "unit\(index).c", "-o", "local\(index).o"])
      #expect(local.status == 0)
      #expect(world.contents("unit\(index).o") == world.contents("local\(index).o"))
    }
    #expect(world.leftovers.isEmpty)
  }
}

/// A lock-protected value for collecting results from concurrent test work.
final class Mutex2<Value>: @unchecked Sendable {  // all access under `lock`
  private var value: Value
  private let lock = NSLock()
  init(_ value: Value) { self.value = value }
  func withLock<T>(_ body: (inout Value) -> T) -> T {
    lock.lock()
    defer { lock.unlock() }
    return body(&value)
  }
}
