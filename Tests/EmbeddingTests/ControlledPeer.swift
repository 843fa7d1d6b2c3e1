import ClientCore
import DistPosix
import DistProtocol
import DistTestSupport
import SystemPackage
import Testing

/// A client whose only host is a listening socket this test drives by hand (a stalled link, a half-sent
/// reply), with a test directory holding the sources and the client's `DISTCC_DIR` and `TMPDIR`.
///
/// The suites using it allow 3 minutes though each test takes well under a second alone: their awaits resume
/// on the cooperative pool, whose two threads (on a 2-core machine) the suites running beside them can hold
/// for tens of seconds at a time; the limit is there to catch a call that never returns.
final class ControlledPeer {
  let directory: TestDirectory
  let listener: FileDescriptor
  let client: DistributedCompiler

  /// `environment` adds to (or overrides) the client's.
  init(environment extra: [String: String] = [:]) throws {
    directory = try TestDirectory()
    try directory.makeDirectories(directory.appending("tmp"))
    let endpoint = try LoopbackAddress.pick()
    let address = try #require(SocketAddress(numericHost: endpoint.address, port: endpoint.port))
    listener = try Socket.listen(on: address)
    client = DistributedCompiler(
      configuration: try ClientConfiguration(
        environment: [
          "PATH": "/usr/bin:/bin", "DISTCC_DIR": directory.appending("distcc"),
          "DISTCC_HOSTS": "\(endpoint)/1", "TMPDIR": directory.appending("tmp"),
        ].merging(extra) { $1 }))
  }

  deinit { listener.closeIgnoringErrors() }

  /// Starts the client compiling `arguments` in the test directory, as a task the test can cancel.
  func startCompile(_ arguments: [String]) -> Task<CompileOutcome, any Error> {
    let (client, source) = (client, directory.path)
    return Task { try await client.compile(arguments, in: source) }
  }

  /// Accepts the client's connection, waiting as suspensions (a blocking accept would hold one of the
  /// cooperative pool's few threads, which the call being tested needs to start).
  func accept() async throws -> FileDescriptor {
    for _ in 0..<2000 {
      if let (peer, _) = try? Socket.accept(listener, deadline: .now) { return peer }
      try await Task.sleep(for: .milliseconds(10))
    }
    throw PosixError.timedOut(operation: "accept")
  }

  /// Reads the client's whole request from `peer`, as a daemon does.
  func readRequest(from peer: FileDescriptor) throws -> Request {
    var decoder = RequestDecoder()
    while true {
      let bytes = try peer.readSome(upTo: 65536, deadline: .after(seconds: 20))
      try #require(!bytes.isEmpty, "the client closed before its request was complete")
      decoder.append(bytes)
      if let request = try decoder.next() { return request }
    }
  }
}
