import DistPosix
import DistTestSupport
import Foundation
import Glibc
import SystemPackage
import Testing

/// A listening socket in the test process, on a loopback address picked at run time, that accepts one
/// connection and then misbehaves.
final class MisbehavingServer: @unchecked Sendable {  // the listener is only closed after the worker ends
  enum Behaviour: Sendable { case silent, garbage, truncatedReply }
  let address: String
  let port: Int
  private let listener: FileDescriptor
  private let finished = DispatchSemaphore(value: 0)

  init(behaviour: Behaviour) throws {
    let endpoint = try LoopbackAddress.pick()
    address = endpoint.address
    port = Int(endpoint.port)
    let listener = try Socket.listen(
      on: SocketAddress(numericHost: address, port: endpoint.port)!, backlog: 8)
    self.listener = listener
    let done = finished
    DispatchQueue.global().async {
      if let (client, _) = try? Socket.accept(listener, deadline: .never) {
        // Read the request header (the client sends it at once).
        _ = try? client.readSome(upTo: 65536, deadline: .never)
        switch behaviour {
        case .silent:
          // Hold the connection open without answering until the client gives up.
          while let chunk = try? client.readSome(upTo: 65536, deadline: .never), !chunk.isEmpty {}
        case .garbage:
          try? client.writeAll(Array("JUNKJUNKJUNKJUNK".utf8), deadline: .after(seconds: 5))
        case .truncatedReply:
          try? client.writeAll(
            Array("DONE00000001STAT00000000SERR00000000SOUT00000000DOTO00000100abc".utf8),
            deadline: .after(seconds: 5))
        }
        client.closeIgnoringErrors()
      }
      done.signal()
    }
  }

  /// The host-list entry.
  var hostSpec: String { "\(address):\(port)" }

  /// Wakes the accept (shutdown), waits for the worker, then closes the listener.
  func stop() {
    try? Socket.shutdownBoth(listener)
    _ = finished.wait(timeout: .now() + 5)
    listener.closeIgnoringErrors()
  }
}

/// Servers that time out, send garbage or cut a reply short: the job falls back to a local compile, the host is
/// backed off, and one line names the host and the reason (client.md §8).
@Suite(.serialized, .timeLimit(.minutes(1))) struct ClientMisbehavingServerTests {
  @Test func silentServerTimesOutWithDistccIOTimeout() throws {
    let server = try MisbehavingServer(behaviour: .silent)
    defer { server.stop() }
    let world = try ClientWorld(hosts: server.hostSpec)
    let started = Date()
    let result = try world.distcc(["gcc", "-c", "hello.c"], ["DISTCC_IO_TIMEOUT": "1"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(Date().timeIntervalSince(started) < 20)
    #expect(result.stderr.contains("IO timeout"), "\(result.stderr)")
    #expect(result.stderr.contains(server.hostSpec))
    #expect(world.exists("distcc-dir/lock/backoff_tcp_\(server.address)_\(server.port)_0"))
    try world.local(["gcc", "-c", "hello.c", "-o", "local.o"])
    #expect(world.contents("hello.o") == world.contents("local.o"))
  }

  @Test(arguments: [MisbehavingServer.Behaviour.garbage, .truncatedReply])
  func brokenRepliesFallBackLocally(behaviour: MisbehavingServer.Behaviour) throws {
    let server = try MisbehavingServer(behaviour: behaviour)
    defer { server.stop() }
    let world = try ClientWorld(hosts: server.hostSpec)
    let result = try world.distcc(["gcc", "-c", "hello.c"])
    #expect(result.status == 0, "\(result.stderr)")
    let errors = result.stderr.split(separator: "\n").filter { $0.contains("ERROR") }
    #expect(errors.count == 1, "\(result.stderr)")
    #expect(errors.first?.contains(server.hostSpec) == true)
    #expect(result.stderr.contains("running locally instead"))
    #expect(world.exists("distcc-dir/lock/backoff_tcp_\(server.address)_\(server.port)_0"))
    try world.local(["gcc", "-c", "hello.c", "-o", "local.o"])
    #expect(world.contents("hello.o") == world.contents("local.o"), "never a truncated object")
  }

  @Test func badIOTimeoutExits101WhenTheNetworkIsNeeded() throws {
    let world = try ClientWorld(hosts: "\(try LoopbackAddress.pick())")
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
