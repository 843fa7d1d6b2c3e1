internal import DistPosix
internal import SystemPackage

/// A small blocking HTTP/1.x server: one detached thread per connection, one request per connection.
///
/// Enough for a page and its JSON polled by a few browsers on a build machine; see `Docs/monitor.md` for
/// why not swift-nio.
public struct MonitorHTTPServer: Sendable {
  private let listener: FileDescriptor
  /// The port actually bound (useful with port 0).
  public let port: UInt16
  /// The address bound, e.g. `127.0.0.1:3640`.
  public let address: String

  /// Binds `host` (a numeric address) and `port`.
  /// - Throws: `MonitorWebError` naming the address.
  public init(host: String, port: UInt16) throws(MonitorWebError) {
    guard let address = SocketAddress(numericHost: host, port: port) else {
      throw .badListenAddress(host)
    }
    do throws(PosixError) {
      listener = try Socket.listen(on: address)
      let bound = try Socket.localAddress(listener)
      self.port = bound?.port ?? port
      self.address = bound?.description ?? address.description
    } catch {
      throw .cannotListen("\(error)")
    }
  }

  /// Accepts connections until `stop()`, answering each request with `handler` on a thread of its own.
  /// - Throws: `MonitorWebError.cannotListen` if accepting fails for another reason than `stop()`.
  public func run(_ handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse)
    throws(MonitorWebError)
  {
    defer { listener.closeIgnoringErrors() }
    while true {
      let connection: FileDescriptor
      do throws(PosixError) {
        (connection, _) = try Socket.accept(listener, deadline: .never)
      } catch {
        if error.errno == .invalidArgument { return }  // stop() shut the listener down
        throw .cannotListen("\(error)")
      }
      do throws(PosixError) {
        try PosixThread.detach { Self.serve(connection, handler) }
      } catch {
        connection.closeIgnoringErrors()
      }
    }
  }

  /// Makes `run` return: shutting a listening socket down wakes its `accept`.
  public func stop() {
    try? Socket.shutdownBoth(listener)
  }

  /// Reads one request head (at most 16 KiB, within 5 s), writes the response and closes.
  static func serve(_ connection: FileDescriptor, _ handler: (HTTPRequest) -> HTTPResponse) {
    defer { connection.closeIgnoringErrors() }
    let deadline = Deadline.after(seconds: 5)
    var head: [UInt8] = []
    let end: [UInt8] = Array("\r\n\r\n".utf8)
    while head.count < 16 * 1024 && !(head.count >= 4 && Array(head.suffix(4)) == end) {
      guard let chunk = try? connection.readSome(upTo: 4096, deadline: deadline), !chunk.isEmpty
      else { break }
      head += chunk
      if let range = head.firstRange(of: end) { head.removeSubrange(range.upperBound...) }
    }
    let response: HTTPResponse
    var includeBody = true
    if let request = HTTPRequest(head: head) {
      includeBody = request.method != "HEAD"
      response = handler(request)
    } else {
      response = .text(400, "Bad Request", "bad request\n")
    }
    try? connection.writeAll(response.encoded(includeBody: includeBody), deadline: deadline)
  }
}

/// Why the web monitor cannot start.
public enum MonitorWebError: Error, Sendable, Equatable, CustomStringConvertible {
  case badListenAddress(String)
  case cannotListen(String)
  case badOption(String)

  public var description: String {
    switch self {
    case .badListenAddress(let text):
      "bad --listen address \"\(text)\": expected a numeric IPv4 or IPv6 address"
    case .cannotListen(let reason): reason
    case .badOption(let text): text
    }
  }
}
