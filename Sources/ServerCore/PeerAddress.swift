import DistPosix

/// The peer of a job's connection, as 3.4 prints it in the job summary: `a.b.c.d:port`, `::1:port`
/// (no brackets), `UNIX-DOMAIN path`, `NOTSOCKET`.
struct PeerAddress: Sendable, Equatable, CustomStringConvertible {
  /// `nil` when the descriptor is not a socket (a pipe).
  let address: SocketAddress?

  init(_ address: SocketAddress?) {
    self.address = address
  }

  /// The IP address in network order (4 or 16 bytes), for the access list.
  var addressBytes: [UInt8]? { address?.addressBytes }

  /// The address alone (the key of the per-address connection cap).
  var host: String {
    switch address {
    case .ipv4?, .ipv6?: address!.hostText
    case .unix(let path)?: "UNIX-DOMAIN \(path)"
    case nil: "NOTSOCKET"
    }
  }

  var description: String {
    guard let address, address.isIP else { return host }
    return "\(host):\(address.port)"
  }
}

extension SocketAddress {
  /// The IP address in network order: 4 bytes for IPv4, 16 for IPv6; `nil` for UNIX-domain.
  var addressBytes: [UInt8]? {
    switch self {
    case .ipv4(let value, _): withUnsafeBytes(of: value.bigEndian) { Array($0) }
    case .ipv6(let value, _):
      withUnsafeBytes(of: value.high.bigEndian) { Array($0) }
        + withUnsafeBytes(of: value.low.bigEndian) { Array($0) }
    case .unix: nil
    }
  }
}
