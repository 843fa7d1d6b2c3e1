import Foundation
import Glibc
import Testing

/// A listening socket in the test process that accepts one connection and then misbehaves.
final class MisbehavingServer: @unchecked Sendable {  // fd is only closed after the worker finishes
  enum Behaviour: Sendable { case silent, garbage, truncatedReply }
  let address: String
  let port: Int
  private let fd: Int32
  private let finished = DispatchSemaphore(value: 0)

  init(address: String, behaviour: Behaviour) throws {
    self.address = address
    port = try freePort(on: address)
    fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var one: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = UInt16(port).bigEndian
    inet_pton(AF_INET, address, &addr.sin_addr)
    let bound = withUnsafePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard bound == 0, listen(fd, 8) == 0 else { throw HarnessError("bind/listen failed") }
    let listener = fd
    let done = finished
    DispatchQueue.global().async {
      let client = accept(listener, nil, nil)
      if client >= 0 {
        var buffer = [UInt8](repeating: 0, count: 65536)
        // Read the request header (the client sends it at once).
        _ = read(client, &buffer, buffer.count)
        switch behaviour {
        case .silent:
          // Hold the connection open without answering until the client gives up.
          while read(client, &buffer, buffer.count) > 0 {}
        case .garbage:
          _ = write(client, "JUNKJUNKJUNKJUNK", 16)
        case .truncatedReply:
          _ = write(client, "DONE00000001STAT00000000SERR00000000SOUT00000000DOTO00000100abc", 63)
        }
        close(client)
      }
      done.signal()
    }
  }

  /// The host-list entry.
  var hostSpec: String { "\(address):\(port)" }

  func stop() {
    shutdown(fd, Int32(SHUT_RDWR))
    close(fd)
    _ = finished.wait(timeout: .now() + 5)
  }
}

/// Servers that time out, send garbage or cut a reply short: the job falls back to a local compile, the host is
/// backed off, and one line names the host and the reason (client.md §8).
@Suite(.serialized, .timeLimit(.minutes(1))) struct ClientMisbehavingServerTests {
  @Test func silentServerTimesOutWithDistccIOTimeout() throws {
    let server = try MisbehavingServer(address: "127.0.0.4", behaviour: .silent)
    defer { server.stop() }
    let world = try ClientWorld(hosts: server.hostSpec)
    let started = Date()
    let result = try world.distcc(["gcc", "-c", "hello.c"], ["DISTCC_IO_TIMEOUT": "1"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(Date().timeIntervalSince(started) < 20)
    #expect(result.stderr.contains("IO timeout"), "\(result.stderr)")
    #expect(result.stderr.contains(server.hostSpec))
    #expect(world.exists("distcc-dir/lock/backoff_tcp_127.0.0.4_\(server.port)_0"))
    try world.local(["gcc", "-c", "hello.c", "-o", "local.o"])
    #expect(world.contents("hello.o") == world.contents("local.o"))
  }

  @Test(arguments: [MisbehavingServer.Behaviour.garbage, .truncatedReply])
  func brokenRepliesFallBackLocally(behaviour: MisbehavingServer.Behaviour) throws {
    let server = try MisbehavingServer(address: "127.0.0.5", behaviour: behaviour)
    defer { server.stop() }
    let world = try ClientWorld(hosts: server.hostSpec)
    let result = try world.distcc(["gcc", "-c", "hello.c"])
    #expect(result.status == 0, "\(result.stderr)")
    let errors = result.stderr.split(separator: "\n").filter { $0.contains("ERROR") }
    #expect(errors.count == 1, "\(result.stderr)")
    #expect(errors.first?.contains(server.hostSpec) == true)
    #expect(result.stderr.contains("running locally instead"))
    #expect(world.exists("distcc-dir/lock/backoff_tcp_127.0.0.5_\(server.port)_0"))
    try world.local(["gcc", "-c", "hello.c", "-o", "local.o"])
    #expect(world.contents("hello.o") == world.contents("local.o"), "never a truncated object")
  }

  @Test func badIOTimeoutExits101WhenTheNetworkIsNeeded() throws {
    let world = try ClientWorld(hosts: "127.0.0.5:1")
    let result = try world.distcc(["gcc", "-c", "hello.c"], ["DISTCC_IO_TIMEOUT": "abc"])
    #expect(result.status == 101)
    // A local-only job does not need it.
    let link = try world.distcc(["gcc", "hello.c", "-o", "hello"], ["DISTCC_IO_TIMEOUT": "abc"])
    #expect(link.status == 0)
  }

  @Test func missingCompilerExits110() throws {
    let world = try ClientWorld(hosts: "localhost")
    let result = try world.distcc(["no-such-compiler-xyz", "-c", "hello.c"])
    #expect(result.status == 110)
    #expect(result.stderr.contains("no-such-compiler-xyz"), "\(result.stderr)")
  }
}
