import DistTestSupport
import Foundation
import Glibc
import Testing

/// The client moves a job's bytes without holding them (Docs/architecture.md, "The client"): cpp writes into
/// a memory file that goes to the socket with `sendfile` (or is LZO-coded from a mapping), a `.i` input is
/// sent from its own file, and a large object is written from the reply without a second copy. These jobs
/// are large enough for every partial write and full socket buffer, against Debian's 3.4 daemon and ours.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ClientLargeSourceTests {
  /// About 10 MB of C that preprocesses to itself (no directives) and compiles in a fraction of a second into
  /// a 9.6 MB object (one string of 125,000 literal lines), so both directions carry megabytes without the
  /// compiler's parsing making the suite slow.
  static let blob: String = {
    var text = "const char blob[] =\n"
    text.reserveCapacity(10_200_000)
    let letters = Array("abcdefghijklmnopqrstuvwxyz")
    for row in 0..<125_000 {
      text += "\"" + String((0..<76).map { letters[(row &* 7 &+ $0 &* 13) % 26] }) + "\\n\"\n"
    }
    return text + ";\nint blob_size(void) { return (int)sizeof blob; }\n"
  }()

  /// A world with `blob.c`, its own `TMPDIR` (`tmp/`, checked for leftovers) and one daemon of `kind`.
  private func world(_ kind: RealDaemon.Kind) throws -> (ClientWorld, TestDaemon) {
    let (world, daemon) = try ClientWorld.withDaemon(kind)
    try world.write("blob.c", Self.blob)
    try world.directory.makeDirectories("tmp")
    world.environment["TMPDIR"] = world.path + "/tmp"
    return (world, daemon)
  }

  private func temporaryFiles(in world: ClientWorld) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: world.path + "/tmp")
  }

  @Test(arguments: RealDaemon.Kind.allCases)
  func tenMegabyteSourceRoundTripsIdenticallyPlainAndLZO(kind: RealDaemon.Kind) throws {
    let (world, daemon) = try world(kind)
    defer { daemon.stop() }
    try world.local(["gcc", "-O0", "-c", "blob.c", "-o", "local.o"])
    let local = try #require(world.contents("local.o"))
    #expect(local.count > 9_000_000)
    for (index, options) in ["", ",lzo"].enumerated() {
      let result = try world.distcc(
        ["gcc", "-O0", "-c", "blob.c", "-o", "remote\(index).o"],
        ["DISTCC_HOSTS": daemon.hostSpec + options, "DISTCC_FALLBACK": "0"])
      #expect(result.status == 0, "\(options): \(result.stderr)")
      #expect(world.contents("remote\(index).o") == local, "\(options)")
    }
    #expect(daemon.compiledJobs(expected: 2) == 2, "\(daemon.log)")
    #expect(try temporaryFiles(in: world) == [])
  }

  /// A `.i` input is sent from the user's file (sendfile, or LZO from a mapping), not preprocessed or read.
  @Test(arguments: RealDaemon.Kind.allCases)
  func tenMegabytePreprocessedInputIsSentFromItsFile(kind: RealDaemon.Kind) throws {
    let (world, daemon) = try world(kind)
    defer { daemon.stop() }
    try world.local(["gcc", "-E", "blob.c", "-o", "blob.i"])
    try world.local(["gcc", "-O0", "-c", "blob.i", "-o", "local.o"])
    for (index, options) in ["", ",lzo"].enumerated() {
      let result = try world.distcc(
        ["gcc", "-O0", "-c", "blob.i", "-o", "remote\(index).o"],
        ["DISTCC_HOSTS": daemon.hostSpec + options, "DISTCC_FALLBACK": "0"])
      #expect(result.status == 0, "\(options): \(result.stderr)")
      #expect(world.contents("remote\(index).o") == world.contents("local.o"), "\(options)")
    }
    #expect(daemon.compiledJobs(expected: 2) == 2, "\(daemon.log)")
  }

  /// A `.i` input that is a FIFO (`fstat` gives it no size) is read to its end, not sent as empty: the
  /// object is the one a local compile of the same FIFO makes (sending the size `fstat` reports, 0, made an
  /// empty object and exit 0).
  @Test(arguments: RealDaemon.Kind.allCases)
  func preprocessedInputFromAFIFOIsReadToItsEnd(kind: RealDaemon.Kind) throws {
    let (world, daemon) = try world(kind)
    defer { daemon.stop() }
    try world.write("small.i", "# 1 \"fifo.c\"\nint from_fifo(void) { return 42; }\n")
    #expect(mkfifo(world.path + "/pipe.i", 0o600) == 0)
    let feedLocal = world.start(["/bin/sh", "-c", "cat small.i > pipe.i"])
    try world.local(["gcc", "-O0", "-c", "pipe.i", "-o", "local.o"])
    #expect(feedLocal.wait()?.status == 0)
    let feedRemote = world.start(["/bin/sh", "-c", "cat small.i > pipe.i"])
    let result = try world.distcc(
      ["gcc", "-O0", "-c", "pipe.i", "-o", "remote.o"], ["DISTCC_FALLBACK": "0"])
    #expect(feedRemote.wait()?.status == 0)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(daemon.compiledJobs(expected: 1) == 1, "\(daemon.log)")
    let local = try #require(world.contents("local.o"))
    #expect(local.range(of: Data("from_fifo".utf8)) != nil)
    #expect(world.contents("remote.o") == local)
  }

  /// cpp that writes megabytes and then dies on a missing header: the job fails as a local compile does
  /// (3.4 retries locally, which fails the same way), the daemon compiles nothing, no object and no
  /// temporary file remain.
  @Test(arguments: RealDaemon.Kind.allCases, ["", ",lzo"])
  func preprocessorFailingMidwayLeavesNoObjectAndNoTemporaryFile(
    kind: RealDaemon.Kind, options: String
  ) throws {
    let (world, daemon) = try world(kind)
    defer { daemon.stop() }
    try world.write("broken.c", Self.blob + "#include \"missing-header.h\"\nint after;\n")
    let result = try world.distcc(
      ["gcc", "-c", "broken.c", "-o", "broken.o"], ["DISTCC_HOSTS": daemon.hostSpec + options])
    #expect(result.status == 1)
    #expect(
      result.stderr.contains("missing-header.h: No such file or directory"), "\(result.stderr)")
    #expect(!world.exists("broken.o"))
    #expect(daemon.compiledJobsSoFar == 0, "\(daemon.log)")
    #expect(try temporaryFiles(in: world) == [])
  }

  /// A client killed (SIGKILL, so no clean-up of its own runs) while its preprocessor holds the output
  /// leaves nothing in `TMPDIR` and no object: the output lives in a memory file only.
  @Test func killedClientLeavesNoTemporaryFile() throws {
    let (world, daemon) = try world(.debian)
    defer { daemon.stop() }
    // A preprocessor that writes its whole output, says so, and then waits to be killed.
    try world.write(
      "slowcpp",
      "#!/bin/sh\ncase \" $* \" in *\" -E \"*) gcc \"$@\"; echo $$ > \(world.path)/cpp.pid; "
        + "exec sleep 60;; esac\nexec gcc \"$@\"\n")
    chmod(world.path + "/slowcpp", 0o755)
    let client = try BackgroundProcess(
      [ClientHarness.distcc, world.path + "/slowcpp", "-c", "blob.c", "-o", "blob.o"],
      environment: world.environment, directory: world.path, logPath: world.path + "/client.log")
    #expect(waitUntil(seconds: 60) { world.exists("cpp.pid") }, "cpp wrote its output")
    let cpp = Int32(
      String(decoding: world.contents("cpp.pid") ?? Data(), as: UTF8.self)
        .trimmingCharacters(in: .whitespacesAndNewlines))
    defer { if let cpp { kill(cpp, SIGKILL) } }
    client.send(SIGKILL)
    let status = try client.waitForExit(timeout: 10)
    #expect(status.signal == SIGKILL)
    #expect(try temporaryFiles(in: world) == [])
    #expect(!world.exists("blob.o"))
    #expect(daemon.compiledJobsSoFar == 0)
  }
}
