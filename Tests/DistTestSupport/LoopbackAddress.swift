import DistPosix

/// An address on loopback and a port that nothing listened on when it was picked.
public struct LoopbackEndpoint: Sendable, Hashable, CustomStringConvertible {
  public let address: String
  public let port: UInt16

  /// `address:port`, as a host list names it.
  public var description: String { "\(address):\(port)" }
}

/// Loopback addresses picked at run time, so that tests running at once (or a daemon a failed test left)
/// never share one: any of 127.0.0.0/8 works on Linux without configuration.
public enum LoopbackAddress {
  /// A random address in 127.0.0.0/8 (never 127.0.0.1, nor a network or broadcast-looking one) with a
  /// port free on it.
  public static func pick() throws -> LoopbackEndpoint {
    var generator = SystemRandomNumberGenerator()
    let address =
      "127.\(UInt8.random(in: 1...254, using: &generator)).\(UInt8.random(in: 0...255, using: &generator))"
      + ".\(UInt8.random(in: 2...254, using: &generator))"
    return LoopbackEndpoint(address: address, port: try FreePort.pick(on: address))
  }

  /// `count` endpoints on distinct addresses, for tests whose hosts must differ.
  public static func pick(_ count: Int) throws -> [LoopbackEndpoint] {
    var picked: [LoopbackEndpoint] = []
    while picked.count < count {
      let next = try pick()
      if !picked.contains(where: { $0.address == next.address }) { picked.append(next) }
    }
    return picked
  }

  /// Whether something accepts TCP connections on `address:port` now (a connection is made and closed
  /// at once).
  public static func isListening(_ address: String, _ port: Int) -> Bool {
    guard let target = SocketAddress(numericHost: address, port: UInt16(truncatingIfNeeded: port)),
      let fd = try? Socket.connect(to: target, deadline: .after(seconds: 2))
    else { return false }
    fd.closeIgnoringErrors()
    return true
  }
}
