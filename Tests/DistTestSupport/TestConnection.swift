import DistPosix
import Glibc
public import SystemPackage

/// A raw TCP connection for speaking a protocol byte by byte (hostile requests, HTTP pages), optionally
/// from a chosen loopback source address. Closed when released.
public final class TestConnection: @unchecked Sendable {  // used by one thread at a time
  /// The connected socket (non-blocking, close-on-exec).
  public let descriptor: FileDescriptor

  /// Connects to `host:port` (numeric; IPv4 or IPv6), from `source` (any port) if given.
  public init(host: String, port: Int, from source: String? = nil, timeout: Int = 10) throws {
    Self.ignoreBrokenPipes
    guard let target = SocketAddress(numericHost: host, port: UInt16(truncatingIfNeeded: port))
    else {
      throw PosixError.system(operation: "parse \(host)", errno: .invalidArgument)
    }
    var origin: SocketAddress?
    if let source {
      guard let parsed = SocketAddress(numericHost: source, port: 0) else {
        throw PosixError.system(operation: "parse \(source)", errno: .invalidArgument)
      }
      origin = parsed
    }
    descriptor = try Socket.connect(to: target, from: origin, deadline: .after(seconds: timeout))
  }

  deinit { descriptor.closeIgnoringErrors() }

  /// A peer that closes early makes a write fail with EPIPE instead of killing the test process (spawned
  /// children get SIGPIPE's default back).
  private static let ignoreBrokenPipes: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

  /// Sends all of `bytes`.
  public func send(_ bytes: [UInt8], timeout: Int = 20) throws {
    try descriptor.writeAll(bytes, deadline: .after(seconds: timeout))
  }

  /// Half-closes: the peer reads an end of file.
  public func shutdownWrite() { try? Socket.shutdownWrite(descriptor) }

  /// Everything the peer sends until it closes (or resets); nil if it did not close within `timeout`.
  public func readToEnd(timeout: Double = 20) -> [UInt8]? {
    let deadline = Deadline.after(milliseconds: Int64(timeout * 1000))
    var result: [UInt8] = []
    while true {
      do {
        let chunk = try descriptor.readSome(upTo: 65536, deadline: deadline)
        if chunk.isEmpty { return result }
        result += chunk
      } catch {
        if case .timedOut = error { return nil }
        return result  // reset by the peer: what came before it
      }
    }
  }

  /// The local port of the connection.
  public var localPort: Int { Int((try? Socket.localAddress(descriptor))??.port ?? 0) }
}
