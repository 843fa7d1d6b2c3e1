import Foundation
import Testing

/// Our client against Debian's `distccd` 3.4, protocols 1 and 2.
@Suite(.serialized, .timeLimit(.minutes(1))) struct ClientAgainstRealDaemonTests {
  static let protocols = ["", ",lzo"]

  @Test(arguments: protocols)
  func compilesCIdenticallyToALocalCompile(options: String) throws {
    let logs = try ClientTempDirectory()
    let daemon = try RealDaemon(address: "127.0.0.2", logDirectory: logs.path)
    defer { daemon.stop() }
    let world = try ClientWorld(hosts: daemon.hostSpec + options)
    let result = try world.distcc(["gcc", "-c", "hello.c", "-O2"])
    #expect(result.status == 0, "\(result.stderr)")
    try world.local(["gcc", "-c", "hello.c", "-O2", "-o", "local.o"])
    #expect(world.contents("hello.o") != nil)
    #expect(world.contents("hello.o") == world.contents("local.o"))
    #expect(daemon.compiledJobs(expected: 1) == 1, "\(daemon.log)")
  }

  @Test(arguments: protocols)
  func compilesCPlusPlusIntoASubdirectory(options: String) throws {
    let logs = try ClientTempDirectory()
    let daemon = try RealDaemon(address: "127.0.0.3", logDirectory: logs.path)
    defer { daemon.stop() }
    let world = try ClientWorld(hosts: daemon.hostSpec + options)
    let result = try world.distcc(["g++", "-std=c++17", "-c", "join.cpp", "-o", "out/deep/join.o"])
    #expect(result.status == 0, "\(result.stderr)")
    try world.local(["g++", "-std=c++17", "-c", "join.cpp", "-o", "local.o"])
    #expect(world.contents("out/deep/join.o") == world.contents("local.o"))
    #expect(daemon.compiledJobs(expected: 1) == 1)
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: world.path + "/out/deep")
    #expect(leftovers == ["join.o"], "no temporary files may remain beside the object")
  }

  @Test func relaysWarningsAndSucceeds() throws {
    let logs = try ClientTempDirectory()
    let daemon = try RealDaemon(address: "127.0.0.4", logDirectory: logs.path)
    defer { daemon.stop() }
    let world = try ClientWorld(hosts: daemon.hostSpec + ",lzo")
    try world.write("warn.c", "int f(void) { int unused; return 0; }\n")
    let result = try world.distcc(["gcc", "-Wall", "-c", "warn.c"])
    #expect(result.status == 0)
    #expect(result.stderr.contains("unused variable"), "\(result.stderr)")
    #expect(daemon.compiledJobs(expected: 1) == 1)
  }

  @Test func compileErrorIsRetriedLocallyAndReported() throws {
    let logs = try ClientTempDirectory()
    let daemon = try RealDaemon(address: "127.0.0.5", logDirectory: logs.path)
    defer { daemon.stop() }
    let world = try ClientWorld(hosts: daemon.hostSpec)
    try world.write("bad.c", "int f( {\n")
    let result = try world.distcc(["gcc", "-c", "bad.c"])
    #expect(result.status == 1)
    #expect(result.stderr.contains("bad.c:1:"), "\(result.stderr)")
    #expect(result.stderr.contains("retrying locally"))
    #expect(!world.exists("bad.o"))
    // The local retry failed the same way, so the server was innocent: no backoff file remains.
    #expect(!world.exists("distcc-dir/lock/backoff_tcp_\(daemon.address)_\(daemon.port)_0"))
  }

  @Test func skipLocalRetryShowsTheRemoteDiagnostics() throws {
    let logs = try ClientTempDirectory()
    let daemon = try RealDaemon(address: "127.0.0.5", logDirectory: logs.path)
    defer { daemon.stop() }
    let world = try ClientWorld(hosts: daemon.hostSpec + ",lzo")
    try world.write("bad.c", "int f(void) { return undeclared; }\n")
    let result = try world.distcc(["gcc", "-c", "bad.c"], ["DISTCC_SKIP_LOCAL_RETRY": "1"])
    #expect(result.status == 1)
    #expect(result.stderr.contains("undeclared"), "\(result.stderr)")
    #expect(!result.stderr.contains("retrying locally"))
  }

  @Test(arguments: protocols)
  func dependencyFilesNameTheRealOutput(options: String) throws {
    let logs = try ClientTempDirectory()
    let daemon = try RealDaemon(address: "127.0.0.6", logDirectory: logs.path)
    defer { daemon.stop() }
    let world = try ClientWorld(hosts: daemon.hostSpec + options)
    try world.write("obj/.keep", "")
    try world.write("deps/.keep", "")
    var result = try world.distcc(["gcc", "-c", "hello.c", "-o", "obj/hello.o", "-MD"])
    #expect(result.status == 0, "\(result.stderr)")
    let implicit = String(decoding: world.contents("obj/hello.d") ?? Data(), as: UTF8.self)
    #expect(implicit.hasPrefix("obj/hello.o: hello.c"), "\(implicit)")
    #expect(implicit.contains("greet.h"))
    result = try world.distcc([
      "gcc", "-c", "hello.c", "-o", "obj/h2.o", "-MMD", "-MF", "deps/h2.d",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let explicit = String(decoding: world.contents("deps/h2.d") ?? Data(), as: UTF8.self)
    #expect(explicit.hasPrefix("obj/h2.o: hello.c greet.h"), "\(explicit)")
    result = try world.distcc(["gcc", "-c", "hello.c", "-o", "h3.o", "-Wp,-MD,deps/h3.d"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(world.contents("deps/h3.d") != nil)
    #expect(daemon.compiledJobs(expected: 3) == 3)
  }

  @Test func preprocessedInputIsSentWithoutPreprocessing() throws {
    let logs = try ClientTempDirectory()
    let daemon = try RealDaemon(address: "127.0.0.7", logDirectory: logs.path)
    defer { daemon.stop() }
    let world = try ClientWorld(hosts: daemon.hostSpec + ",lzo")
    try world.local(["gcc", "-E", "hello.c", "-o", "pre.i"])
    let result = try world.distcc(["gcc", "-c", "pre.i"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(world.contents("pre.o") != nil)
    #expect(daemon.compiledJobs(expected: 1) == 1)
  }
}
