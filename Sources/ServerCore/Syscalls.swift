import DistPosix
import Glibc
import SystemPackage

// The few socket calls ServerCore needs beyond DistPosix: a dual-stack listener (3.4 does not set
// IPV6_V6ONLY, so IPv4 clients of a `::` listener arrive IPv4-mapped), peers as 3.4 prints them, and
// reads and writes that report `IOFailure`. Everything above this file speaks in `FileDescriptor`,
// `Deadline` and typed errors.

/// An I/O failure on a job's descriptors.
enum IOFailure: Error, Equatable, CustomStringConvertible {
  case timedOut(String)
  case endOfFile(String)
  case system(String, Errno)

  var description: String {
    switch self {
    case .timedOut(let what): "\(what): timed out"
    case .endOfFile(let what): "\(what): unexpected end of file"
    case .system(let what, let errno): "\(what): \(errno)"
    }
  }
}

/// The peer of a job's connection, as 3.4 prints it in the job summary.
enum PeerAddress: Sendable, Equatable, CustomStringConvertible {
  case ip(bytes: [UInt8], port: UInt16)
  case unixDomain(path: String)
  case notSocket

  init(_ address: SocketAddress?) {
    switch address {
    case .ipv4(let value, let port)?:
      self = .ip(bytes: withUnsafeBytes(of: value.bigEndian) { Array($0) }, port: port)
    case .ipv6(let value, let port)?:
      let bytes =
        withUnsafeBytes(of: value.high.bigEndian) { Array($0) }
        + withUnsafeBytes(of: value.low.bigEndian) { Array($0) }
      self = .ip(bytes: bytes, port: port)
    case .unix(let path)?: self = .unixDomain(path: path)
    case nil: self = .notSocket
    }
  }

  var addressBytes: [UInt8]? { if case .ip(let bytes, _) = self { bytes } else { nil } }

  /// The address alone (the key of the per-address connection cap).
  var host: String {
    switch self {
    case .ip(let bytes, _):
      if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
      var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
      _ = bytes.withUnsafeBytes {
        inet_ntop(AF_INET6, $0.baseAddress, &buffer, socklen_t(buffer.count))
      }
      return String(
        decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    case .unixDomain(let path): return "UNIX-DOMAIN \(path)"
    case .notSocket: return "NOTSOCKET"
    }
  }

  var description: String {
    if case .ip(_, let port) = self { return "\(host):\(port)" }
    return host
  }
}

enum Syscalls {
  static var onlineProcessors: Int { max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

  static func errnoText(_ code: Int32 = errno) -> String {
    String(describing: Errno(rawValue: code))
  }

  /// `inet_pton` for IPv4 then IPv6.
  static func numericAddress(_ text: String) -> [UInt8]? {
    var v4 = [UInt8](repeating: 0, count: 4)
    if v4.withUnsafeMutableBytes({ inet_pton(AF_INET, text, $0.baseAddress) }) == 1 { return v4 }
    var v6 = [UInt8](repeating: 0, count: 16)
    if v6.withUnsafeMutableBytes({ inet_pton(AF_INET6, text, $0.baseAddress) }) == 1 { return v6 }
    return nil
  }

  /// The first `getaddrinfo` result for a host name.
  static func resolveAddress(_ host: String) -> [UInt8]? {
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    var result: UnsafeMutablePointer<addrinfo>?
    guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return nil }
    defer { freeaddrinfo(result) }
    guard let address = first.pointee.ai_addr else { return nil }
    return peer(from: address).addressBytes
  }

  static func peer(from address: UnsafePointer<sockaddr>) -> PeerAddress {
    switch Int32(address.pointee.sa_family) {
    case AF_INET:
      return address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
        var addr = sin.pointee.sin_addr
        let bytes = withUnsafeBytes(of: &addr) { Array($0) }
        return .ip(bytes: bytes, port: UInt16(bigEndian: sin.pointee.sin_port))
      }
    case AF_INET6:
      return address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
        var addr = sin6.pointee.sin6_addr
        let bytes = withUnsafeBytes(of: &addr) { Array($0) }
        return .ip(bytes: bytes, port: UInt16(bigEndian: sin6.pointee.sin6_port))
      }
    case AF_UNIX:
      return address.withMemoryRebound(to: sockaddr_un.self, capacity: 1) { sun in
        var path = sun.pointee.sun_path
        let text = withUnsafeBytes(of: &path) { raw in
          String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return .unixDomain(path: text)
      }
    default:
      return .notSocket
    }
  }

  /// `getpeername`, or ``PeerAddress/notSocket`` for a pipe or file.
  static func peerAddress(of fd: FileDescriptor) -> PeerAddress {
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let ok = withUnsafeMutablePointer(to: &storage) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd.rawValue, $0, &length) }
    }
    guard ok == 0 else { return .notSocket }
    return withUnsafePointer(to: &storage) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { peer(from: $0) }
    }
  }

  /// A listening TCP socket bound to `address:port` (close-on-exec, `SO_REUSEADDR`, backlog 1024).
  static func listen(address: [UInt8], port: Int) throws(Errno) -> FileDescriptor {
    let family = address.count == 4 ? AF_INET : AF_INET6
    let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw Errno(rawValue: errno) }
    var one: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    var result: Int32
    if family == AF_INET {
      var sin = sockaddr_in()
      sin.sin_family = sa_family_t(AF_INET)
      sin.sin_port = UInt16(port).bigEndian
      withUnsafeMutableBytes(of: &sin.sin_addr) { $0.copyBytes(from: address) }
      result = withUnsafePointer(to: &sin) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
      }
    } else {
      var sin6 = sockaddr_in6()
      sin6.sin6_family = sa_family_t(AF_INET6)
      sin6.sin6_port = UInt16(port).bigEndian
      withUnsafeMutableBytes(of: &sin6.sin6_addr) { $0.copyBytes(from: address) }
      result = withUnsafePointer(to: &sin6) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
        }
      }
    }
    if result == 0 { result = Glibc.listen(fd, 1024) }
    guard result == 0 else {
      let code = errno
      close(fd)
      throw Errno(rawValue: code)
    }
    return FileDescriptor(rawValue: fd)
  }

  /// Accepts a pending connection (close-on-exec, through DistPosix); `nil` when nothing is pending.
  static func accept(_ listener: FileDescriptor) throws(PosixError) -> (
    FileDescriptor, PeerAddress
  )? {
    do {
      let (fd, address) = try Socket.accept(listener, deadline: .now)
      return (fd, PeerAddress(address))
    } catch {
      if case .timedOut = error { return nil }
      throw error
    }
  }

  /// `poll` on several descriptors for `events`; returns the `revents` of each.
  static func poll(_ fds: [FileDescriptor], events: Int16 = Int16(POLLIN), deadline: Deadline)
    -> [Int16]
  {
    var entries = fds.map { pollfd(fd: $0.rawValue, events: events, revents: 0) }
    while true {
      let count = Glibc.poll(&entries, nfds_t(entries.count), deadline.pollTimeout)
      if count < 0 && errno == EINTR { continue }
      return entries.map(\.revents)
    }
  }

  /// Reads up to `count` bytes, waiting until `deadline`; an empty result means end of file.
  static func read(
    _ fd: FileDescriptor, upTo count: Int, deadline: Deadline, what: String
  ) throws(IOFailure) -> [UInt8] {
    while true {
      let revents = poll([fd], deadline: deadline)[0]
      if revents == 0 {
        if deadline.hasPassed { throw .timedOut(what) }
        continue
      }
      var buffer = [UInt8](repeating: 0, count: count)
      let got = buffer.withUnsafeMutableBytes { Glibc.read(fd.rawValue, $0.baseAddress, count) }
      if got < 0 {
        if errno == EINTR || errno == EAGAIN { continue }
        throw .system(what, Errno(rawValue: errno))
      }
      buffer.removeLast(count - got)
      return buffer
    }
  }

  /// Writes all of `bytes` before `deadline`.
  static func writeAll(_ fd: FileDescriptor, _ bytes: [UInt8], deadline: Deadline, what: String)
    throws(IOFailure)
  {
    var offset = 0
    while offset < bytes.count {
      let revents = poll([fd], events: Int16(POLLOUT), deadline: deadline)[0]
      if revents == 0 {
        if deadline.hasPassed { throw .timedOut(what) }
        continue
      }
      let wrote = bytes.withUnsafeBytes {
        Glibc.send(fd.rawValue, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
      }
      if wrote < 0 {
        if errno == ENOTSOCK {
          let plain = bytes.withUnsafeBytes {
            Glibc.write(fd.rawValue, $0.baseAddress! + offset, bytes.count - offset)
          }
          if plain >= 0 {
            offset += plain
            continue
          }
        }
        if errno == EINTR || errno == EAGAIN { continue }
        throw .system(what, Errno(rawValue: errno))
      }
      offset += wrote
    }
  }

  /// Whether the peer of a connected socket has closed it (EOF or error pending, no data consumed).
  static func peerHasClosed(_ fd: FileDescriptor) -> Bool {
    var byte: UInt8 = 0
    let got = recv(fd.rawValue, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
    if got == 0 { return true }
    if got < 0 {
      return !(errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ENOTSOCK)
    }
    return false
  }

  /// Reads and drops whatever is pending on a socket, without blocking.
  static func discardPending(_ fd: FileDescriptor) {
    var buffer = [UInt8](repeating: 0, count: 4096)
    _ = buffer.withUnsafeMutableBytes {
      recv(fd.rawValue, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT))
    }
  }

  /// Reads a whole small file (`nil` if it cannot be opened).
  static func readFile(_ path: String, limit: Int = 1 << 30) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var result: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while result.count < limit {
      let got = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
      if got < 0 && errno == EINTR { continue }
      if got <= 0 { break }
      result.append(contentsOf: buffer[0..<got])
    }
    return result
  }
}
