import DistProtocol
import Foundation
import Glibc
import Testing

/// How our client learns that a host is our daemon (Docs/protocol.md "Extensions"): our daemon announces
/// after every complete reply, a 3.4 daemon never does, and our daemon closes a request that uses an
/// extension it did not announce.
@Suite(.serialized, .timeLimit(.minutes(2))) struct ExtensionNegotiationTests {
  /// Our client remembers our daemon's announcement in `$DISTCC_DIR/caps/xcap_tcp_ADDRESS_PORT`, and
  /// forgets a stale one when the host turns out to be Debian's daemon.
  @Test(arguments: RealDaemon.Kind.allCases)
  func clientRemembersWhatTheDaemonAnnounced(kind: RealDaemon.Kind) throws {
    let (world, daemon) = try ClientWorld.withDaemon(kind, hostOptions: ",lzo")
    defer { daemon.stop() }
    let caps = world.distccDir + "/caps/xcap_tcp_\(daemon.address)_\(daemon.port)"
    if kind == .debian {
      try FileManager.default.createDirectory(
        atPath: world.distccDir + "/caps", withIntermediateDirectories: true)
      try "1\n".write(toFile: caps, atomically: false, encoding: .utf8)
    }
    let result = try world.distcc(
      ["gcc", "-c", "hello.c", "-o", "hello.o"], ["DISTCC_FALLBACK": "0"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(daemon.compiledJobs(expected: 1) == 1)
    let remembered = try? String(contentsOfFile: caps, encoding: .utf8)
    switch kind {
    case .ours:
      #expect(
        remembered == "f\n",
        "our daemon announces zstd, the compiler identity, directives-only and rewritten includes")
    case .debian:
      #expect(
        remembered == "0\n", "a 3.4 daemon announces nothing: the stale bits are replaced by none")
    }
  }

  /// A request that uses an extension the daemon did not announce is closed without a reply (so our client
  /// retries without it), and the daemon goes on serving.
  @Test func daemonClosesARequestUsingAnExtensionItDoesNotOffer() throws {
    let world = try DaemonWorld()
    try world.startDaemon()
    var request = Request(
      version: .v2, arguments: ["gcc", "-c", "t.c", "-o", "t.o"].map { Array($0.utf8) },
      source: Array("int x;\n".utf8))
    request.extensions = Extensions(rawValue: 1 << 7)
    let refused = try #require(try world.exchange(try request.encoded()), "no close")
    #expect(refused.isEmpty, "got \(refused.count) bytes")
    let reply = try world.exchange(try DaemonWorld.request(.v2))
    var decoder = ResponseDecoder(expecting: .v2)
    decoder.append(try #require(reply))
    let response = try #require(try decoder.next())
    #expect(response.status.isSuccess)
    #expect(
      decoder.takeAnnouncement() == [.zstd, .compilerIdentity, .directivesOnly, .rewrittenIncludes])
  }

  /// A `,zstd` host: with our daemon the second job (after the announcement) sends and gets zstd bodies;
  /// with Debian's 3.4 daemon both jobs compile with LZO and no byte of zstd is sent. Objects identical to
  /// a local compile either way.
  @Test(arguments: RealDaemon.Kind.allCases)
  func zstdHostUsesZstdOnlyWithOurDaemon(kind: RealDaemon.Kind) throws {
    let logs = try ClientTempDirectory()
    let daemon = try RealDaemon(kind, address: "127.0.0.46", logDirectory: logs.path)
    defer { daemon.stop() }
    let world = try ClientWorld(hosts: daemon.hostSpec + ",lzo,zstd")
    try world.local(["gcc", "-c", "hello.c", "-o", "local.o"])
    var said: [String] = []
    for name in ["one.o", "two.o"] {
      let result = try world.distcc(
        ["gcc", "-c", "hello.c", "-o", name], ["DISTCC_FALLBACK": "0", "DISTCC_VERBOSE": "1"])
      #expect(result.status == 0, "\(result.stderr)")
      #expect(world.contents(name) == world.contents("local.o"), "\(name)")
      said.append(result.stderr)
    }
    #expect(daemon.compiledJobs(expected: 2) == 2)
    #expect(!said[0].contains("request uses zstd"), "the first job knows nothing of the host yet")
    #expect(said[1].contains("request uses zstd") == (kind == .ours), "\(said[1])")
    #expect(
      world.contents("distcc-dir/caps/xcap_tcp_\(daemon.address)_\(daemon.port)") != nil
        || kind == .debian)
  }
}
