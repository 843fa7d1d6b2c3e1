internal import Glibc

/// One job's byte stream to a daemon: a TCP socket, or the pipes of an `ssh` child (client.md §8.1,
/// protocol.md §10). Every wait for readability or writability is bounded by the I/O timeout.
final class HostConnection {
  /// How messages name the peer (`127.0.0.1:3632`).
  let peer: String
  private var readDescriptor: Int32
  private var writeDescriptor: Int32
  private let isSocket: Bool
  private let ioTimeoutMilliseconds: Int32
  private let sshChild: ChildProcess?

  private init(
    peer: String, read: Int32, write: Int32, isSocket: Bool, ioTimeout: Int, sshChild: ChildProcess?
  ) {
    self.peer = peer
    readDescriptor = read
    writeDescriptor = write
    self.isSocket = isSocket
    ioTimeoutMilliseconds = Int32(clamping: ioTimeout * 1000)
    self.sshChild = sshChild
  }

  deinit { close() }

  /// Connects to `name:port`, trying each address `getaddrinfo` returns; each connect may take 4 s.
  static func connect(
    name: String, port: Int, connectTimeoutMilliseconds: Int32 = 4000, ioTimeout: Int
  ) throws(ClientError) -> HostConnection {
    let peer = name.contains(":") ? "[\(name)]:\(port)" : "\(name):\(port)"
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    var list: UnsafeMutablePointer<addrinfo>?
    let status = getaddrinfo(name, String(port), &hints, &list)
    guard status == 0, let first = list else {
      let reason = String(cString: gai_strerror(status))
      throw .connectFailed(
        host: peer, reason: "failed to resolve host \(name) port \(port): \(reason)")
    }
    defer { freeaddrinfo(list) }
    var lastError = ClientError.connectFailed(host: peer, reason: "no address")
    var entry: UnsafeMutablePointer<addrinfo>? = first
    while let info = entry {
      entry = info.pointee.ai_next
      let fd = socket(
        info.pointee.ai_family,
        Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
          | Int32(SOCK_NONBLOCK.rawValue), 0)
      guard fd >= 0 else {
        lastError = .connectFailed(host: peer, reason: "socket: \(errorText(errno))")
        continue
      }
      if Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 || errno == EISCONN {
        return HostConnection(
          peer: peer, read: fd, write: fd, isSocket: true, ioTimeout: ioTimeout, sshChild: nil)
      }
      guard errno == EINPROGRESS || errno == EINTR else {
        lastError = .connectFailed(host: peer, reason: errorText(errno))
        Glibc.close(fd)
        continue
      }
      var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
      let ready = retryingOnInterrupt { poll(&poller, 1, connectTimeoutMilliseconds) }
      if ready == 0 {
        lastError = .connectFailed(host: peer, reason: "timeout while connecting")
        Glibc.close(fd)
        continue
      }
      var socketError: Int32 = 0
      var length = socklen_t(MemoryLayout<Int32>.size)
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &socketError, &length)
      if ready < 0 || socketError != 0 {
        lastError = .connectFailed(host: peer, reason: errorText(ready < 0 ? errno : socketError))
        Glibc.close(fd)
        continue
      }
      return HostConnection(
        peer: peer, read: fd, write: fd, isSocket: true, ioTimeout: ioTimeout, sshChild: nil)
    }
    throw lastError
  }

  /// Starts `ssh [-l user] host command --inetd --enable-tcp-insecure` and talks over its stdin and stdout.
  static func ssh(
    user: String?, host: String, command: String, sshCommand: [String], environment: [String],
    searchPath: String?, ioTimeout: Int
  ) throws(ClientError) -> HostConnection {
    let toChild = try makePipe()
    let fromChild: (read: Int32, write: Int32)
    do { fromChild = try makePipe() } catch {
      Glibc.close(toChild.read)
      Glibc.close(toChild.write)
      throw error
    }
    var arguments = sshCommand
    if let user { arguments += ["-l", user] }
    arguments += [host, command, "--inetd", "--enable-tcp-insecure"]
    let child: ChildProcess
    do {
      child = try ChildProcess.spawn(
        arguments, environment: environment, searchPath: searchPath,
        stdin: .descriptor(toChild.read),
        stdout: .descriptor(fromChild.write), newProcessGroup: true)
    } catch {
      for fd in [toChild.read, toChild.write, fromChild.read, fromChild.write] { Glibc.close(fd) }
      throw .connectFailed(host: host, reason: error.description)
    }
    Glibc.close(toChild.read)
    Glibc.close(fromChild.write)
    return HostConnection(
      peer: (user.map { $0 + "@" } ?? "") + host, read: fromChild.read, write: toChild.write,
      isSocket: false,
      ioTimeout: ioTimeout, sshChild: child)
  }

  /// Writes all of `bytes`.
  func send(_ bytes: [UInt8]) throws(ClientError) {
    var offset = 0
    while offset < bytes.count {
      try waitFor(writeDescriptor, events: POLLOUT, operation: "sending to")
      let written = bytes.withUnsafeBytes { buffer in
        let start = buffer.baseAddress! + offset
        return isSocket
          ? Glibc.send(writeDescriptor, start, buffer.count - offset, Int32(MSG_NOSIGNAL))
          : Glibc.write(writeDescriptor, start, buffer.count - offset)
      }
      if written < 0 {
        if errno == EINTR || errno == EAGAIN { continue }
        throw .connectionLost(host: peer, reason: "failed to write: \(errorText(errno))")
      }
      offset += written
    }
  }

  /// Reads what is available (at most `buffer.count` bytes); 0 means end of stream.
  func receive(into buffer: inout [UInt8]) throws(ClientError) -> Int {
    while true {
      try waitFor(readDescriptor, events: POLLIN, operation: "receiving from")
      let count = buffer.withUnsafeMutableBytes {
        Glibc.read(readDescriptor, $0.baseAddress!, $0.count)
      }
      if count < 0 {
        if errno == EINTR || errno == EAGAIN { continue }
        throw .connectionLost(host: peer, reason: "failed to read: \(errorText(errno))")
      }
      return count
    }
  }

  /// Tells the peer no more bytes follow (TCP half-close; closes ssh's stdin).
  func finishSending() {
    if isSocket {
      shutdown(writeDescriptor, Int32(SHUT_WR))
    } else if writeDescriptor >= 0 {
      Glibc.close(writeDescriptor)
      writeDescriptor = -1
    }
  }

  /// Closes the connection; an ssh child is terminated and reaped.
  func close() {
    if readDescriptor >= 0 { Glibc.close(readDescriptor) }
    if writeDescriptor >= 0 && writeDescriptor != readDescriptor { Glibc.close(writeDescriptor) }
    readDescriptor = -1
    writeDescriptor = -1
    if let sshChild {
      sshChild.kill(SIGTERM, group: true)
      _ = sshChild.wait()
    }
  }

  private func waitFor(_ fd: Int32, events: Int32, operation: String) throws(ClientError) {
    var poller = pollfd(fd: fd, events: Int16(events), revents: 0)
    let ready = retryingOnInterrupt { poll(&poller, 1, ioTimeoutMilliseconds) }
    if ready == 0 { throw .timedOut(host: peer, operation: operation) }
    if ready < 0 { throw .connectionLost(host: peer, reason: "poll: \(errorText(errno))") }
  }
}
