import ClientCore
import DistPosix
import DistTestSupport
import Glibc
import SystemPackage
import Testing

/// Cancelling while the request's body is on its way: the host is a peer that accepted the connection and
/// stopped reading (a stalled link), so the client blocks in its write once the socket buffers are full.
@Suite(.timeLimit(.minutes(3))) struct CancelMidSendTests {
  @Test func cancellingMidSendShutsTheConnectionAndWritesNothing() async throws {
    let world = try ControlledPeer()
    let directory = world.directory
    // 32 MB of preprocessed source: far more than the loopback socket buffers hold.
    let line = Array("int a;\n".utf8)
    _ = try directory.write(
      "big.i", bytes: Array(repeating: line, count: (32 << 20) / line.count).flatMap { $0 })
    let call = world.startCompile(["gcc", "-c", "big.i", "-o", "big.o"])
    let peer = try await world.accept()
    defer { peer.closeIgnoringErrors() }
    // Mid-send: the peer's receive buffer is filling (the header and 64 KB of the body), 32 MB cannot fit.
    #expect(
      try await EmbeddingFarm.eventually { Self.unread(peer.rawValue) >= 64 << 10 },
      "nothing arrived")
    call.cancel()
    await #expect(throws: ClientError.cancelled) { try await call.value }
    // The client's end is closed: the peer reads the end of the stream after what was sent.
    #expect(Socket.peerHasClosed(peer) || Self.unread(peer.rawValue) > 0)
    #expect(!directory.exists("big.o"))
    #expect(directory.list("tmp").isEmpty, "\(directory.list("tmp"))")
  }

  /// Bytes waiting to be read on `fd`.
  static func unread(_ fd: Int32) -> Int {
    var count: Int32 = 0
    return ioctl(fd, UInt(FIONREAD), &count) == 0 ? Int(count) : 0
  }
}
