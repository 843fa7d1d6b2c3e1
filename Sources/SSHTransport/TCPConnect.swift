// Stand-in for DistPosix's `SocketAddress.resolve` and `Socket.connect(to:deadline:)` until DistPosix lands.
internal import Glibc

enum TCPConnect {
  /// Resolves `host` and connects to the first address that accepts, non-blocking, before `deadline`.
  static func connect(host: String, port: UInt16, display: String, deadline: Deadline) throws(SSHError) -> Int32 {
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    var list: UnsafeMutablePointer<addrinfo>? = nil
    let status = getaddrinfo(host, String(port), &hints, &list)
    guard status == 0, let first = list else {
      throw .resolve(host: display, reason: String(cString: gai_strerror(status)))
    }
    defer { freeaddrinfo(list) }
    var lastReason = "no addresses"
    var entry: UnsafeMutablePointer<addrinfo>? = first
    while let info = entry {
      entry = info.pointee.ai_next
      let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
      if fd < 0 { lastReason = String(cString: strerror(errno)); continue }
      if Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 { return fd }
      if errno != EINPROGRESS { lastReason = String(cString: strerror(errno)); Glibc.close(fd); continue }
      var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
      var ready: Int32
      repeat { ready = poll(&pfd, 1, deadline.pollTimeout) } while ready < 0 && errno == EINTR
      if ready == 0 { Glibc.close(fd); throw .timedOut(host: display, stage: .connect) }
      var error: Int32 = 0
      var length = socklen_t(MemoryLayout<Int32>.size)
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
      if error == 0 { return fd }
      lastReason = String(cString: strerror(error))
      Glibc.close(fd)
    }
    throw .connect(host: display, reason: lastReason)
  }
}
