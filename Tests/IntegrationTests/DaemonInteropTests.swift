import DistProtocol
import Foundation
import Glibc
import Testing

/// Debian's distcc 3.4 client against our distccd, on loopback.
@Suite(.serialized) struct DaemonInteropTests {
  static let hostOptions = ["", ",lzo"]

  @Test(arguments: hostOptions, [("gcc", "hello.c"), ("g++", "hello.cpp")])
  func objectsEqualALocalCompile(hostOption: String, job: (compiler: String, source: String)) throws {
    let world = try DaemonWorld()
    try world.startDaemon()
    let remote = try world.distcc([job.compiler, "-O2", "-c", job.source, "-o", "remote.o"], hostOptions: hostOption)
    #expect(remote.status == 0, "\(remote.stderr)")
    let local = try world.run("/usr/bin/\(job.compiler)", ["-O2", "-c", job.source, "-o", "local.o"])
    #expect(local.status == 0)
    #expect(world.contents("remote.o") != nil)
    #expect(world.contents("remote.o") == world.contents("local.o"))
    #expect(world.waitForSummaries("COMPILE_OK"), "the job was compiled remotely, not by the fallback")
    #expect(world.leftovers.isEmpty, "left in TMPDIR: \(world.leftovers)")
  }

  @Test(arguments: hostOptions)
  func compileErrorRelaysStderrAndStatus(hostOption: String) throws {
    let world = try DaemonWorld()
    try world.startDaemon()
    let result = try world.distcc(
      ["gcc", "-c", "bad.c", "-o", "bad.o"], hostOptions: hostOption, environment: ["DISTCC_SKIP_LOCAL_RETRY": "1"])
    #expect(result.status == 1)
    #expect(result.stderr.contains("error"), "\(result.stderr)")
    #expect(world.waitForSummaries("COMPILE_ERROR"))
    #expect(world.contents("bad.o") == nil)
  }

  @Test(arguments: hostOptions)
  func warningIsRelayed(hostOption: String) throws {
    let world = try DaemonWorld()
    try world.startDaemon()
    let result = try world.distcc(["gcc", "-Wall", "-c", "warn.c", "-o", "warn.o"], hostOptions: hostOption)
    #expect(result.status == 0)
    #expect(result.stderr.contains("unused variable"), "\(result.stderr)")
    #expect(world.waitForSummaries("COMPILE_OK"))
    #expect(world.contents("warn.o") != nil)
  }

  @Test func dependencyFileAndOutputInSubdirectory() throws {
    let world = try DaemonWorld()
    try world.startDaemon()
    try FileManager.default.createDirectory(atPath: world.path("obj/deep"), withIntermediateDirectories: true)
    let result = try world.distcc(
      ["gcc", "-MD", "-MF", "obj/hello.d", "-c", "hello.c", "-o", "obj/deep/hello.o"], hostOptions: ",lzo")
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
      let status = (try? world.distcc(["gcc", "-c", "unit\(index).c", "-o", "unit\(index).o"], hostOptions: ",lzo"))?.status ?? -1
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
