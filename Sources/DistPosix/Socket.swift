internal import CDistPosix
internal import Glibc
public import SystemPackage

/// Stream sockets: listening, accepting, connecting with a deadline, and the options distcc sets.
///
/// Every descriptor returned here is close-on-exec and non-blocking, so that deadlines hold for reads and
/// writes and a compiler started by the daemon inherits none of them.
public enum Socket {
  /// Opens a listening stream socket bound to `address` (`SO_REUSEADDR` set).
  ///
  /// An IPv6 listener is IPv6-only unless `ipv6Only` is `false`: then a `::` listener also accepts IPv4
  /// clients, which arrive as IPv4-mapped addresses (`::ffff:a.b.c.d`), as distccd 3.4's does.
  public static func listen(
    on address: SocketAddress, backlog: Int32 = 128, ipv6Only: Bool = true
  ) throws(PosixError) -> FileDescriptor {
    let fd = try open(family: address.family, operation: "socket for \(address)")
    do throws(PosixError) {
      if address.isIP { try setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1) }
      if case .ipv6 = address {
        try setOption(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, ipv6Only ? 1 : 0)
      }
      _ = try address.withCAddress { (pointer, length) throws(PosixError) in
        try syscall("bind \(address)") { bind(fd.rawValue, pointer, length) }
      }
      _ = try syscall("listen \(address)") { Glibc.listen(fd.rawValue, backlog) }
      return fd
    } catch {
      fd.closeIgnoringErrors()
      throw error
    }
  }

  /// Accepts one connection, waiting no later than `deadline`.
  ///
  /// - Returns: the connection (non-blocking, close-on-exec) and the peer's address, if it has one.
  public static func accept(_ listener: FileDescriptor, deadline: Deadline) throws(PosixError)
    -> (FileDescriptor, SocketAddress?)
  {
    while true {
      var storage = sockaddr_storage()
      var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
      let fd = withUnsafeMutablePointer(to: &storage) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          cdp_accept4(
            listener.rawValue, $0, &length, Int32(SOCK_CLOEXEC.rawValue | SOCK_NONBLOCK.rawValue))
        }
      }
      if fd >= 0 {
        let peer = withUnsafePointer(to: &storage) { pointer in
          pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            SocketAddress($0, length: length)
          }
        }
        return (FileDescriptor(rawValue: fd), peer)
      }
      let code = currentErrno()
      switch code {
      case .interrupted, .connectionAbort, .protocolError:
        continue
      case .wouldBlock:
        _ = try Poll.wait(for: .readable, on: listener, deadline: deadline, operation: "accept")
      default:
        throw PosixError.system(operation: "accept", errno: code)
      }
    }
  }

  /// Connects to `address` without blocking past `deadline` (distcc 3.4 gives connect 4 seconds),
  /// from `source` (any port) if given, else from the address the kernel picks.
  ///
  /// - Returns: the connected socket, non-blocking and close-on-exec.
  public static func connect(
    to address: SocketAddress, from source: SocketAddress? = nil, deadline: Deadline
  ) throws(PosixError) -> FileDescriptor {
    let operation = "connect to \(address)"
    let fd = try open(family: address.family, operation: operation)
    do throws(PosixError) {
      if let source {
        _ = try source.withCAddress { (pointer, length) throws(PosixError) in
          try syscall("bind \(source)") { bind(fd.rawValue, pointer, length) }
        }
      }
      let started = try address.withCAddress { (pointer, length) throws(PosixError) -> Bool in
        if Glibc.connect(fd.rawValue, pointer, length) == 0 { return true }
        let code = currentErrno()
        if code == .nowInProgress || code == .interrupted { return false }
        throw PosixError.system(operation: operation, errno: code)
      }
      if !started {
        _ = try Poll.wait(for: .writable, on: fd, deadline: deadline, operation: operation)
        let pending = try option(fd, SOL_SOCKET, SO_ERROR)
        if pending != 0 {
          throw PosixError.system(operation: operation, errno: Errno(rawValue: pending))
        }
      }
      return fd
    } catch {
      fd.closeIgnoringErrors()
      throw error
    }
  }

  /// A connected pair of UNIX-domain stream sockets (close-on-exec, blocking).
  public static func pair() throws(PosixError) -> (FileDescriptor, FileDescriptor) {
    var fds: [Int32] = [-1, -1]
    _ = try syscall("socketpair") {
      socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0, &fds)
    }
    return (FileDescriptor(rawValue: fds[0]), FileDescriptor(rawValue: fds[1]))
  }

  /// The address `fd` is bound to.
  public static func localAddress(_ fd: FileDescriptor) throws(PosixError) -> SocketAddress? {
    try name(fd, operation: "getsockname", getsockname)
  }

  /// The address of `fd`'s peer; nil when `fd` is not a socket (a pipe, a file) or of another family.
  public static func peerAddress(_ fd: FileDescriptor) throws(PosixError) -> SocketAddress? {
    do throws(PosixError) {
      return try name(fd, operation: "getpeername", getpeername)
    } catch {
      if error.errno == .notSocket { return nil }
      throw error
    }
  }

  /// Sets or clears `TCP_NODELAY` (distcc sends small headers it wants delivered at once).
  /// Whether `fd` is a listening socket (`SO_ACCEPTCONN`), as opposed to a connected one: systemd hands
  /// over listening sockets with `Accept=no` and one connection with `Accept=yes`.
  public static func isListening(_ fd: FileDescriptor) -> Bool {
    ((try? option(fd, SOL_SOCKET, SO_ACCEPTCONN)) ?? 0) != 0
  }

  public static func setNoDelay(_ fd: FileDescriptor, _ enabled: Bool) throws(PosixError) {
    try setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, enabled ? 1 : 0)
  }

  /// Sets or clears `TCP_CORK`, which holds partial frames until it is cleared.
  public static func setCork(_ fd: FileDescriptor, _ enabled: Bool) throws(PosixError) {
    try setOption(fd, Int32(IPPROTO_TCP), TCP_CORK, enabled ? 1 : 0)
  }

  /// Sets `TCP_DEFER_ACCEPT` on a listening socket (3.4's default on Linux, one second).
  public static func setDeferAccept(_ fd: FileDescriptor, seconds: Int32) throws(PosixError) {
    try setOption(fd, Int32(IPPROTO_TCP), TCP_DEFER_ACCEPT, seconds)
  }

  /// Shuts down the writing side, so that the peer reads end of file.
  public static func shutdownWrite(_ fd: FileDescriptor) throws(PosixError) {
    _ = try syscall("shutdown") { shutdown(fd.rawValue, Int32(SHUT_WR)) }
  }

  /// Shuts down both directions; on a listening socket this wakes a thread blocked in `accept`.
  public static func shutdownBoth(_ fd: FileDescriptor) throws(PosixError) {
    _ = try syscall("shutdown") { shutdown(fd.rawValue, Int32(SHUT_RDWR)) }
  }

  /// Sets an integer socket option.
  public static func setOption(_ fd: FileDescriptor, _ level: Int32, _ name: Int32, _ value: Int32)
    throws(PosixError)
  {
    var value = value
    _ = try syscall("setsockopt \(name)") {
      setsockopt(fd.rawValue, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
    }
  }

  /// Reads an integer socket option.
  public static func option(_ fd: FileDescriptor, _ level: Int32, _ name: Int32) throws(PosixError)
    -> Int32
  {
    var value: Int32 = 0
    var length = socklen_t(MemoryLayout<Int32>.size)
    _ = try syscall("getsockopt \(name)") { getsockopt(fd.rawValue, level, name, &value, &length) }
    return value
  }

  private static func open(family: Int32, operation: String) throws(PosixError) -> FileDescriptor {
    let type = Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue | SOCK_NONBLOCK.rawValue)
    return FileDescriptor(rawValue: try syscall(operation) { socket(family, type, 0) })
  }

  private static func name(
    _ fd: FileDescriptor, operation: String,
    _ call: (Int32, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32
  ) throws(PosixError) -> SocketAddress? {
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let result = withUnsafeMutablePointer(to: &storage) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { call(fd.rawValue, $0, &length) }
    }
    if result != 0 { throw PosixError.system(operation: operation, errno: currentErrno()) }
    return withUnsafePointer(to: &storage) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        SocketAddress($0, length: length)
      }
    }
  }
}
