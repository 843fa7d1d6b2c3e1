import Foundation
import Glibc
import Testing

/// Our client against Debian's `distccd` 3.4 and against ours, protocols 1 and 2.
@Suite(.serialized, .timeLimit(.minutes(1))) struct ClientAgainstRealDaemonTests {
  static let protocols = ["", ",lzo"]
  static let daemons = RealDaemon.Kind.allCases

  @Test(arguments: daemons, protocols)
  func compilesCIdenticallyToALocalCompile(kind: RealDaemon.Kind, options: String) throws {
    let (world, daemon) = try ClientWorld.withDaemon(kind, hostOptions: options)
    defer { daemon.stop() }
    let result = try world.distcc(["gcc", "-c", "hello.c", "-O2"])
    #expect(result.status == 0, "\(result.stderr)")
    try world.local(["gcc", "-c", "hello.c", "-O2", "-o", "local.o"])
    #expect(world.contents("hello.o") != nil)
    #expect(world.contents("hello.o") == world.contents("local.o"))
    #expect(daemon.compiledJobs(expected: 1) == 1, "\(daemon.log)")
  }

  @Test(arguments: daemons, protocols)
  func compilesCPlusPlusIntoASubdirectory(kind: RealDaemon.Kind, options: String) throws {
    let (world, daemon) = try ClientWorld.withDaemon(kind, hostOptions: options)
    defer { daemon.stop() }
    let result = try world.distcc(["g++", "-std=c++17", "-c", "join.cpp", "-o", "out/deep/join.o"])
    #expect(result.status == 0, "\(result.stderr)")
    try world.local(["g++", "-std=c++17", "-c", "join.cpp", "-o", "local.o"])
    #expect(world.contents("out/deep/join.o") == world.contents("local.o"))
    #expect(daemon.compiledJobs(expected: 1) == 1)
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: world.path + "/out/deep")
    #expect(leftovers == ["join.o"], "no temporary files may remain beside the object")
  }

  @Test(arguments: daemons)
  func relaysWarningsAndSucceeds(kind: RealDaemon.Kind) throws {
    let (world, daemon) = try ClientWorld.withDaemon(kind, hostOptions: ",lzo")
    defer { daemon.stop() }
    try world.write("warn.c", "int f(void) { int unused; return 0; }\n")
    let result = try world.distcc(["gcc", "-Wall", "-c", "warn.c"])
    #expect(result.status == 0)
    #expect(result.stderr.contains("unused variable"), "\(result.stderr)")
    #expect(daemon.compiledJobs(expected: 1) == 1)
  }

  @Test(arguments: daemons)
  func compileErrorIsRetriedLocallyAndReported(kind: RealDaemon.Kind) throws {
    let (world, daemon) = try ClientWorld.withDaemon(kind)
    defer { daemon.stop() }
    try world.write("bad.c", "int f( {\n")
    let result = try world.distcc(["gcc", "-c", "bad.c"])
    #expect(result.status == 1)
    #expect(result.stderr.contains("bad.c:1:"), "\(result.stderr)")
    #expect(result.stderr.contains("retrying locally"))
    #expect(!world.exists("bad.o"))
    // The local retry failed the same way, so the server was innocent: no backoff file remains.
    #expect(!world.exists("distcc-dir/lock/backoff_tcp_\(daemon.address)_\(daemon.port)_0"))
  }

  @Test(arguments: daemons)
  func skipLocalRetryShowsTheRemoteDiagnostics(kind: RealDaemon.Kind) throws {
    let (world, daemon) = try ClientWorld.withDaemon(kind, hostOptions: ",lzo")
    defer { daemon.stop() }
    try world.write("bad.c", "int f(void) { return undeclared; }\n")
    let result = try world.distcc(["gcc", "-c", "bad.c"], ["DISTCC_SKIP_LOCAL_RETRY": "1"])
    #expect(result.status == 1)
    #expect(result.stderr.contains("undeclared"), "\(result.stderr)")
    #expect(!result.stderr.contains("retrying locally"))
  }

  @Test(arguments: daemons)
  func fallbackDisabledReportsTheRemoteErrorAndKeepsTheBackoff(kind: RealDaemon.Kind) throws {
    let (world, daemon) = try ClientWorld.withDaemon(kind)
    defer { daemon.stop() }
    try world.write("bad.c", "int f(void) { return undeclared; }\n")
    let result = try world.distcc(["gcc", "-c", "bad.c"], ["DISTCC_FALLBACK": "0"])
    #expect(result.status == 1)
    #expect(result.stderr.contains("undeclared"), "remote diagnostics shown: \(result.stderr)")
    #expect(result.stderr.contains("failed to distribute and fallbacks are disabled"))
    #expect(!result.stderr.contains("retrying locally"))
    // As in 3.4, the backoff file stays, so the next job skips the host.
    #expect(world.exists("distcc-dir/lock/backoff_tcp_\(daemon.address)_\(daemon.port)_0"))
  }

  @Test(arguments: daemons, protocols)
  func dependencyFilesNameTheRealOutput(kind: RealDaemon.Kind, options: String) throws {
    let (world, daemon) = try ClientWorld.withDaemon(kind, hostOptions: options)
    defer { daemon.stop() }
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

  @Test(arguments: daemons)
  func preprocessedInputIsSentWithoutPreprocessing(kind: RealDaemon.Kind) throws {
    let (world, daemon) = try ClientWorld.withDaemon(kind, hostOptions: ",lzo")
    defer { daemon.stop() }
    try world.local(["gcc", "-E", "hello.c", "-o", "pre.i"])
    let result = try world.distcc(["gcc", "-c", "pre.i"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(world.contents("pre.o") != nil)
    #expect(daemon.compiledJobs(expected: 1) == 1)
  }
}

/// Our daemon refuses some jobs by policy with a complete reply; our client shows why and compiles locally
/// without backing the host off.
@Suite(.serialized, .timeLimit(.minutes(1))) struct ClientPolicyRefusalTests {
  @Test func refusedJobCompilesLocallyWithoutBackoff() throws {
    let (world, daemon) = try ClientWorld.withDaemon(.ours, hostOptions: ",lzo")
    defer { daemon.stop() }
    // A compiler the client can run but the daemon's whitelist (/usr/lib/distcc) does not list.
    try FileManager.default.createDirectory(
      atPath: world.path + "/bin", withIntermediateDirectories: true)
    symlink("/usr/bin/gcc", world.path + "/bin/mygcc")
    world.environment["PATH"] = world.path + "/bin:" + (world.environment["PATH"] ?? "")
    let result = try world.distcc(["mygcc", "-c", "hello.c", "-o", "p.o"])
    #expect(result.status == 0, "\(result.stderr)")
    try world.local(["gcc", "-c", "hello.c", "-o", "local.o"])
    #expect(world.contents("p.o") == world.contents("local.o"))
    let refusal = result.stderr.split(separator: "\n").filter { $0.contains("refused") }
    #expect(refusal.count == 1, "one line names host and reason: \(result.stderr)")
    #expect(refusal.first?.contains(daemon.hostSpec) == true)
    #expect(refusal.first?.contains("mygcc") == true)
    #expect(!world.exists("distcc-dir/lock/backoff_tcp_\(daemon.address)_\(daemon.port)_0"))
    // The next ordinary job still goes to the (not backed off) host.
    let next = try world.distcc(["gcc", "-c", "hello.c"])
    #expect(next.status == 0, "\(next.stderr)")
    #expect(daemon.compiledJobs(expected: 1) == 1, "\(daemon.log)")
  }

  /// `gcc -c hello.c foo.o`: 3.4's scanner, on both sides, takes the bare `foo.o` for the output, so the
  /// client distributes the job (client.md §4.3); the daemon has no `-o` to rewrite and refuses it, as
  /// Debian's distccd does (`failed to find "-o"`). The client compiles locally (gcc writes `hello.o` and
  /// leaves the linker input `foo.o` alone) and does not back the host off.
  @Test func bareObjectOutputIsRefusedByTheDaemonAndCompiledLocally() throws {
    let (world, daemon) = try ClientWorld.withDaemon(.ours, hostOptions: ",lzo")
    defer { daemon.stop() }
    try world.write("other.c", "int other(void) { return 1; }\n")
    try world.local(["gcc", "-c", "other.c", "-o", "foo.o"])
    let before = world.contents("foo.o")
    let result = try world.distcc(["gcc", "-c", "hello.c", "foo.o"])
    #expect(result.status == 0, "\(result.stderr)")
    let refusal = result.stderr.split(separator: "\n").filter { $0.contains("refused") }
    #expect(refusal.count == 1, "\(result.stderr)")
    #expect(refusal.first?.contains("failed to find \"-o\"") == true, "\(result.stderr)")
    try world.local(["gcc", "-c", "hello.c", "-o", "local.o"])
    #expect(world.contents("hello.o") == world.contents("local.o"))
    #expect(world.contents("foo.o") == before)
    #expect(!world.exists("distcc-dir/lock/backoff_tcp_\(daemon.address)_\(daemon.port)_0"))
    #expect(daemon.compiledJobs(expected: 0) == 0, "\(daemon.log)")
    // 3.4's summary for that job: OTHER, ret:100 (EXIT_DISTCC_FAILED).
    #expect(
      waitUntil { daemon.log.contains(" OTHER exit:150 sig:0 core:0 ret:100 ") }, "\(daemon.log)")
  }
}
