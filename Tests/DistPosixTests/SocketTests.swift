import DistPosix
import DistTestSupport
import Glibc
import SystemPackage
import Testing

@Suite struct SocketTests {
  @Test(arguments: [
    ("127.0.0.1", 3632, "127.0.0.1:3632", true),
    ("127.9.8.7", 1, "127.9.8.7:1", true),
    ("10.0.0.1", 3632, "10.0.0.1:3632", false),
    ("::1", 3632, "[::1]:3632", true),
    ("::ffff:127.0.0.2", 80, "[::ffff:127.0.0.2]:80", true),
    ("fe80::1", 22, "[fe80::1]:22", false),
  ])
  func parsesAndPrintsNumericAddresses(host: String, port: Int, printed: String, loopback: Bool)
    throws
  {
    let address = try #require(SocketAddress(numericHost: host, port: UInt16(port)))
    #expect(address.description == printed)
    #expect(address.isLoopback == loopback)
  }

  @Test func rejectsNames() {
    #expect(SocketAddress(numericHost: "localhost", port: 1) == nil)
    #expect(SocketAddress(numericHost: "127.0.0.256", port: 1) == nil)
  }

  @Test func mappedIPv6CarriesIPv4Value() throws {
    let address = try #require(SocketAddress(numericHost: "::ffff:10.1.2.3", port: 1))
    #expect(address.ipv4Value == 0x0a01_0203)
  }

  @Test func connectToClosedPortNamesAddressAndReason() throws {
    let port = try FreePort.pick(on: "127.0.0.1")
    let address = try #require(SocketAddress(numericHost: "127.0.0.1", port: port))
    #expect {
      _ = try Socket.connect(to: address, deadline: .after(seconds: 4))
    } throws: { error in
      let error = error as? PosixError
      return error?.errno == .connectionRefused
        && error?.description == "connect to 127.0.0.1:\(port): Connection refused"
    }
  }

  @Test func acceptConnectAndExchangeBytes() throws {
    let address = try #require(SocketAddress(numericHost: "127.0.0.3", port: 0))
    let listener = try Socket.listen(on: address)
    defer { listener.closeIgnoringErrors() }
    let bound = try #require(try Socket.localAddress(listener))
    let client = try Socket.connect(to: bound, deadline: .after(seconds: 4))
    defer { client.closeIgnoringErrors() }
    let (server, peer) = try Socket.accept(listener, deadline: .after(seconds: 4))
    defer { server.closeIgnoringErrors() }
    #expect(peer?.hostText == "127.0.0.1" || peer?.hostText == "127.0.0.3")
    let payload = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
    try client.writeAll(Array("DIST00000001".utf8), deadline: .after(seconds: 4))
    var header = [UInt8](repeating: 0, count: 12)
    try header.withUnsafeMutableBytes { try server.readExactly(into: $0, deadline: .after(seconds: 4)) }
    #expect(String(decoding: header, as: UTF8.self) == "DIST00000001")
    // A large write must not block past what the reader drains.
    let writer = Thread { try? client.writeAll(payload, deadline: .after(seconds: 10)); try? Socket.shutdownWrite(client) }
    let received = try server.readToEnd(limit: 1 << 20, deadline: .after(seconds: 10))
    writer.join()
    #expect(received == payload)
  }

  /// A `::` listener serves IPv4 clients (IPv4-mapped) only when `ipv6Only` is off, as 3.4's does.
  @Test(arguments: [false, true])
  func dualStackListener(ipv6Only: Bool) throws {
    let any = try #require(SocketAddress(numericHost: "::", port: 0))
    let listener = try Socket.listen(on: any, ipv6Only: ipv6Only)
    defer { listener.closeIgnoringErrors() }
    let port = try #require(try Socket.localAddress(listener)).port
    let v4 = try #require(SocketAddress(numericHost: "127.0.0.1", port: port))
    guard !ipv6Only else {
      #expect(throws: PosixError.self) { try Socket.connect(to: v4, deadline: .after(seconds: 4)) }
      return
    }
    let client = try Socket.connect(to: v4, deadline: .after(seconds: 4))
    defer { client.closeIgnoringErrors() }
    let (server, peer) = try Socket.accept(listener, deadline: .after(seconds: 4))
    defer { server.closeIgnoringErrors() }
    #expect(peer?.hostText == "::ffff:127.0.0.1")
  }

  @Test func readTimesOutOnSilentPeer() throws {
    let (left, right) = try Socket.pair()
    defer {
      left.closeIgnoringErrors()
      right.closeIgnoringErrors()
    }
    let started = Deadline.now
    #expect(throws: PosixError.timedOut(operation: "read request")) {
      _ = try left.readSome(upTo: 16, deadline: .after(milliseconds: 50), operation: "read request")
    }
    #expect(Deadline.now.nanoseconds - started.nanoseconds >= 50_000_000)
  }

  @Test func readToEndEnforcesLimit() throws {
    let (left, right) = try Socket.pair()
    defer { left.closeIgnoringErrors() }
    try right.writeAll([UInt8](repeating: 7, count: 101), deadline: .after(seconds: 4))
    right.closeIgnoringErrors()
    #expect(throws: PosixError.system(operation: "read", errno: .fileTooLarge)) {
      _ = try left.readToEnd(limit: 100, deadline: .after(seconds: 4))
    }
  }
}

/// A joinable thread for tests that need a second blocking party.
final class Thread: @unchecked Sendable {
  private var handle = pthread_t()
  private let body: () -> Void

  init(_ body: @escaping () -> Void) {
    self.body = body
    let box = Unmanaged.passRetained(self)
    pthread_create(&handle, nil, { raw in
      let me = Unmanaged<Thread>.fromOpaque(raw!).takeRetainedValue()
      me.body()
      return nil
    }, box.toOpaque())
  }

  func join() { pthread_join(handle, nil) }
}
