import ClientCore
import DistPosix
import DistProtocol
import DistTestSupport
import SystemPackage
import Testing

/// The object of a plain reply is written to its output as it arrives (Docs/architecture.md, "The client"),
/// into an unnamed temporary file: a host that stalls or dies inside a multi-megabyte object leaves the
/// previous object untouched, no partial object and no temporary file, while it stalls and after.
@Suite(.timeLimit(.minutes(3))) struct DaemonDiesMidObjectTests {
  @Test func aHostDyingMidObjectLeavesThePreviousObjectAndNoTemporaryFile() async throws {
    let world = try ControlledPeer(environment: ["DISTCC_FALLBACK": "0"])
    let directory = world.directory
    _ = try directory.write("big.i", "int x;\n")
    _ = try directory.write("big.o", "previous object")
    let call = world.startCompile(["gcc", "-c", "big.i", "-o", "big.o"])
    let peer = try await world.accept()
    let request = try world.readRequest(from: peer)
    #expect(request.version == .v1)
    // A plain reply promising a 6 MB object, of which 3 MB are sent before the host stalls.
    let object = (0..<6_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 13) }
    let reply = try Response(version: .v1, status: .success, object: object).encoded()
    try peer.writeAll(Array(reply.prefix(3_000_000)), deadline: .after(seconds: 20))
    // The client (this process) streams into an unnamed file in the output's directory: wait for it.
    var streaming = false
    for _ in 0..<500 {
      streaming = directory.unnamedFilesOpen > 0
      if streaming { break }
      try await Task.sleep(for: .milliseconds(10))
    }
    #expect(streaming, "the object is being written to an unnamed file beside big.o")
    #expect(try directory.read("big.o") == Array("previous object".utf8))
    #expect(directory.list() == ["big.i", "big.o", "distcc", "tmp"], "no temporary file beside it")
    // The host dies.
    peer.closeIgnoringErrors()
    await #expect {
      _ = try await call.value
    } throws: { error in
      guard case .fallbackDisabled(let reason) = error as? ClientError else { return false }
      return reason.hasPrefix("failed to distribute big.i")
    }
    #expect(try directory.read("big.o") == Array("previous object".utf8))
    #expect(directory.list() == ["big.i", "big.o", "distcc", "tmp"], "no temporary file beside it")
    #expect(directory.list("tmp").isEmpty, "\(directory.list("tmp"))")
    #expect(directory.unnamedFilesOpen == 0, "the unnamed file is closed")
  }
}
