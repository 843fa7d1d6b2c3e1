import ClientCore
import DistPosix
import DistProtocol
import DistTestSupport
import SystemPackage
import Testing

/// Cancelling while the reply is on its way: the host read the whole request, sent the start of a reply (its
/// object promised but only partly written) and stalled, so the client waits in its read.
@Suite(.timeLimit(.minutes(3))) struct CancelMidReceiveTests {
  @Test func cancellingMidReceiveShutsTheConnectionAndWritesNothing() async throws {
    let world = try ControlledPeer()
    let directory = world.directory
    _ = try directory.write("small.i", "int x;\n")
    let call = world.startCompile(["gcc", "-c", "small.i", "-o", "small.o"])
    let peer = try await world.accept()
    defer { peer.closeIgnoringErrors() }
    let request = try world.readRequest(from: peer)
    #expect(request.version == .v1)
    // A reply that stops inside its object: DONE, STAT, SERR, SOUT, then DOTO promising 4096 bytes, 100 sent.
    let complete = try Response(
      version: .v1, status: .success, object: Array(repeating: 0x7f, count: 4096)
    ).encoded()
    try peer.writeAll(Array(complete.prefix(complete.count - 3996)), deadline: .after(seconds: 10))
    // The client is now waiting for the rest: cancel it there.
    try await Task.sleep(for: .milliseconds(200))
    call.cancel()
    await #expect(throws: ClientError.cancelled) { try await call.value }
    #expect(Socket.peerHasClosed(peer), "the client's end is closed")
    #expect(!directory.exists("small.o"), "no partial object")
    #expect(directory.list("tmp").isEmpty, "\(directory.list("tmp"))")
  }
}
