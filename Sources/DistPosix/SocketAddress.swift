internal import CDistPosix
internal import Glibc

/// An IPv4 or IPv6 address with port, or a UNIX-domain socket path.
///
/// Prints as distcc logs peers: `127.0.0.1:3632`, `[::1]:3632`, `UNIX-DOMAIN path`.
public enum SocketAddress: Sendable, Hashable, CustomStringConvertible {
  /// An IPv4 address (host byte order, so `0x7f000001` is 127.0.0.1) and port.
  case ipv4(address: UInt32, port: UInt16)
  /// An IPv6 address (16 bytes, network order) and port.
  case ipv6(address: IPv6Address, port: UInt16)
  /// A UNIX-domain socket; the path is empty for an unnamed socket (a socketpair, sshd's channel).
  case unix(path: String)

  /// Parses a numeric IPv4 or IPv6 address (no brackets) with a port, without name resolution.
  public init?(numericHost host: String, port: UInt16) {
    var v4 = in_addr()
    if inet_pton(AF_INET, host, &v4) == 1 {
      self = .ipv4(address: UInt32(bigEndian: v4.s_addr), port: port)
      return
    }
    var v6 = in6_addr()
    if inet_pton(AF_INET6, host, &v6) == 1 {
      self = .ipv6(address: IPv6Address(v6), port: port)
      return
    }
    return nil
  }

  /// Resolves `host` (a name or a numeric address) to the addresses to try, in the resolver's order.
  public static func resolve(host: String, port: UInt16) throws(PosixError) -> [SocketAddress] {
    if let numeric = SocketAddress(numericHost: host, port: port) { return [numeric] }
    var hints = addrinfo()
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    hints.ai_family = AF_UNSPEC
    var list: UnsafeMutablePointer<addrinfo>?
    let code = getaddrinfo(host, nil, &hints, &list)
    guard code == 0, let first = list else {
      let text = code == 0 ? "no address" : String(cString: gai_strerror(code))
      throw PosixError.system(
        operation: "resolve \(host): \(text)",
        errno: code == EAI_SYSTEM ? currentErrno() : .noSuchAddressOrDevice)
    }
    defer { freeaddrinfo(first) }
    var result: [SocketAddress] = []
    var entry: UnsafeMutablePointer<addrinfo>? = first
    while let current = entry {
      if let address = current.pointee.ai_addr,
        var parsed = SocketAddress(address, length: current.pointee.ai_addrlen)
      {
        parsed = parsed.withPort(port)
        if !result.contains(parsed) { result.append(parsed) }
      }
      entry = current.pointee.ai_next
    }
    return result
  }

  /// The port, or 0 for UNIX-domain sockets.
  public var port: UInt16 {
    switch self {
    case .ipv4(_, let port), .ipv6(_, let port): return port
    case .unix: return 0
    }
  }

  /// The same address with another port (UNIX-domain addresses are returned unchanged).
  public func withPort(_ port: UInt16) -> SocketAddress {
    switch self {
    case .ipv4(let address, _): return .ipv4(address: address, port: port)
    case .ipv6(let address, _): return .ipv6(address: address, port: port)
    case .unix: return self
    }
  }

  /// Whether this is an IP address at all (as opposed to a UNIX-domain socket).
  public var isIP: Bool {
    if case .unix = self { return false }
    return true
  }

  /// The IPv4 address, also when written as an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`).
  public var ipv4Value: UInt32? {
    switch self {
    case .ipv4(let address, _): return address
    case .ipv6(let address, _): return address.mappedIPv4
    case .unix: return nil
    }
  }

  /// Whether the address is in 127.0.0.0/8 (also IPv4-mapped) or is `::1`.
  public var isLoopback: Bool {
    if let v4 = ipv4Value { return v4 >> 24 == 127 }
    if case .ipv6(let address, _) = self { return address == .loopback }
    return false
  }

  /// The address without the port: `127.0.0.1`, `::1`.
  public var hostText: String {
    switch self {
    case .ipv4(let address, _):
      return "\(address >> 24).\((address >> 16) & 0xff).\((address >> 8) & 0xff).\(address & 0xff)"
    case .ipv6(let address, _):
      return address.description
    case .unix(let path):
      return path
    }
  }

  public var description: String {
    switch self {
    case .ipv4: return "\(hostText):\(port)"
    case .ipv6: return "[\(hostText)]:\(port)"
    case .unix(let path): return path.isEmpty ? "UNIX-DOMAIN" : "UNIX-DOMAIN \(path)"
    }
  }
}

/// 16 bytes of an IPv6 address in network order.
public struct IPv6Address: Sendable, Hashable, CustomStringConvertible {
  /// The first and last eight bytes, each read big-endian.
  public var high: UInt64
  public var low: UInt64

  public init(high: UInt64, low: UInt64) {
    self.high = high
    self.low = low
  }

  init(_ address: in6_addr) {
    var copy = address
    var high: UInt64 = 0
    var low: UInt64 = 0
    withUnsafeBytes(of: &copy) { bytes in
      for index in 0..<8 { high = high << 8 | UInt64(bytes[index]) }
      for index in 8..<16 { low = low << 8 | UInt64(bytes[index]) }
    }
    self.init(high: high, low: low)
  }

  var cValue: in6_addr {
    var result = in6_addr()
    withUnsafeMutableBytes(of: &result) { bytes in
      for index in 0..<8 { bytes[index] = UInt8(truncatingIfNeeded: high >> (56 - 8 * index)) }
      for index in 0..<8 { bytes[8 + index] = UInt8(truncatingIfNeeded: low >> (56 - 8 * index)) }
    }
    return result
  }

  /// `::1`.
  public static let loopback = IPv6Address(high: 0, low: 1)

  /// The IPv4 address inside `::ffff:a.b.c.d`, if this is one.
  public var mappedIPv4: UInt32? {
    guard high == 0, low >> 32 == 0xffff else { return nil }
    return UInt32(truncatingIfNeeded: low)
  }

  public var description: String {
    var address = cValue
    var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
    guard inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}

extension SocketAddress {
  /// Decodes a C socket address; nil for families other than IPv4, IPv6 and UNIX.
  init?(_ address: UnsafePointer<sockaddr>, length: socklen_t) {
    switch Int32(address.pointee.sa_family) {
    case AF_INET:
      let v4 = UnsafeRawPointer(address).loadUnaligned(as: sockaddr_in.self)
      self = .ipv4(address: UInt32(bigEndian: v4.sin_addr.s_addr), port: UInt16(bigEndian: v4.sin_port))
    case AF_INET6:
      let v6 = UnsafeRawPointer(address).loadUnaligned(as: sockaddr_in6.self)
      self = .ipv6(address: IPv6Address(v6.sin6_addr), port: UInt16(bigEndian: v6.sin6_port))
    case AF_UNIX:
      let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!
      let count = Int(length) - pathOffset
      guard count > 0 else {
        self = .unix(path: "")
        return
      }
      let raw = UnsafeRawBufferPointer(start: UnsafeRawPointer(address) + pathOffset, count: count)
      self = .unix(path: String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self))
    default:
      return nil
    }
  }

  /// Calls `body` with this address as a C `sockaddr`.
  func withCAddress<R>(
    _ body: (UnsafePointer<sockaddr>, socklen_t) throws(PosixError) -> R
  ) throws(PosixError) -> R {
    var storage = sockaddr_storage()
    let length: socklen_t
    switch self {
    case .ipv4(let address, let port):
      var v4 = sockaddr_in()
      v4.sin_family = sa_family_t(AF_INET)
      v4.sin_port = port.bigEndian
      v4.sin_addr.s_addr = address.bigEndian
      withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: v4, as: sockaddr_in.self) }
      length = socklen_t(MemoryLayout<sockaddr_in>.size)
    case .ipv6(let address, let port):
      var v6 = sockaddr_in6()
      v6.sin6_family = sa_family_t(AF_INET6)
      v6.sin6_port = port.bigEndian
      v6.sin6_addr = address.cValue
      withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: v6, as: sockaddr_in6.self) }
      length = socklen_t(MemoryLayout<sockaddr_in6>.size)
    case .unix(let path):
      var un = sockaddr_un()
      un.sun_family = sa_family_t(AF_UNIX)
      let bytes = Array(path.utf8)
      let capacity = MemoryLayout.size(ofValue: un.sun_path)
      guard bytes.count < capacity else {
        throw PosixError.system(operation: "socket path \(path)", errno: .fileNameTooLong)
      }
      withUnsafeMutableBytes(of: &un.sun_path) { raw in
        raw.copyBytes(from: bytes)
      }
      withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: un, as: sockaddr_un.self) }
      length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count + 1)
    }
    var outcome: Result<R, PosixError>!
    withUnsafePointer(to: &storage) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
        outcome = Result { () throws(PosixError) in try body(address, length) }
      }
    }
    return try outcome.get()
  }

  var family: Int32 {
    switch self {
    case .ipv4: return AF_INET
    case .ipv6: return AF_INET6
    case .unix: return AF_UNIX
    }
  }
}
