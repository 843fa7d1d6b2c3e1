import DistPosix
import Glibc
import SystemPackage

// The few calls ServerCore needs beyond DistPosix: peers as 3.4 prints them, and reads and writes
// that report `IOFailure`. Everything above this file speaks in `FileDescriptor`,
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

enum Syscalls {
  static var onlineProcessors: Int { max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

  /// Physical memory in bytes (`_SC_PHYS_PAGES` × page size); 0 if unknown.
  static var physicalMemory: Int {
    max(0, sysconf(Int32(_SC_PHYS_PAGES))) * max(0, sysconf(Int32(_SC_PAGESIZE)))
  }

  static func errnoText(_ code: Int32 = errno) -> String {
    String(describing: Errno(rawValue: code))
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
      var failure: Int32 = 0
      let buffer = [UInt8](unsafeUninitializedCapacity: count) { bytes, initialized in
        let got = Glibc.read(fd.rawValue, bytes.baseAddress, count)
        failure = got < 0 ? errno : 0
        initialized = max(got, 0)
      }
      if failure != 0 {
        if failure == EINTR || failure == EAGAIN { continue }
        throw .system(what, Errno(rawValue: failure))
      }
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
    return readFile(FileDescriptor(rawValue: fd), limit: limit)
  }

  /// Reads an open file from its start (the descriptor's offset, shared with whoever wrote it, does not
  /// matter); `nil` if it cannot be read at all.
  static func readFile(_ fd: FileDescriptor, limit: Int = 1 << 30) -> [UInt8]? {
    try? FileContents.read(fd, upTo: limit)
  }
}
