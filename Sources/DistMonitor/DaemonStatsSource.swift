internal import DistPosix
internal import SystemPackage

/// A daemon's `--stats` port, `HOST:PORT` (e.g. `127.0.0.2:3633`), polled with one HTTP request.
///
/// 3.4 answers any bytes with its page and closes, so a plain `GET / HTTP/1.0` suits 3.4 and our daemon.
public struct DaemonStatsSource: Sendable, Hashable {
  /// The host as it appears in state files (the monitor's row name).
  public var host: String
  public var port: UInt16

  /// Parses `HOST:PORT`; an IPv6 host goes in brackets, `[::1]:3633`.
  /// - Throws: `DaemonStatsError.badAddress`.
  public init(_ text: String) throws(DaemonStatsError) {
    guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]),
      port != 0
    else { throw .badAddress(text) }
    var host = text[..<colon]
    if host.hasPrefix("[") && host.hasSuffix("]") { host = host.dropFirst().dropLast() }
    guard !host.isEmpty else { throw .badAddress(text) }
    self.host = String(host)
    self.port = port
  }

  public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

  /// Fetches and parses the page, giving up after `timeoutMilliseconds`.
  public func fetch(timeoutMilliseconds: Int64 = 2000) throws(DaemonStatsError) -> DaemonStats {
    let deadline = Deadline.after(milliseconds: timeoutMilliseconds)
    let page: [UInt8]
    do throws(PosixError) {
      guard let address = try SocketAddress.resolve(host: host, port: port).first else {
        throw PosixError.system(operation: "resolve \(host)", errno: .noSuchAddressOrDevice)
      }
      let socket = try Socket.connect(to: address, deadline: deadline)
      defer { socket.closeIgnoringErrors() }
      try socket.writeAll(Array("GET / HTTP/1.0\r\n\r\n".utf8), deadline: deadline)
      page = try socket.readToEnd(limit: 64 * 1024, deadline: deadline)
    } catch {
      throw .unreachable(address: description, reason: "\(error)")
    }
    return try DaemonStats(page: String(decoding: page, as: UTF8.self))
  }
}
