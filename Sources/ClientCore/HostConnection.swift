import DistPosix
import SSHTransport
import SystemPackage

/// One job's byte stream to a daemon (client.md §8.1, protocol.md §10): a TCP socket; for SSH hosts an
/// in-process libssh2 channel, or, when `DISTCC_SSH` is set, 3.4's external tunnel program. Connecting may take
/// 4 s per address; every read or write waits at most the I/O timeout.
final class HostConnection {
  /// How messages name the peer (`127.0.0.1:3632`, `alice@red`).
  let peer: String
  /// The stream goes through an SSH connection broker: a lost connection may be the broker's, worth one retry.
  private(set) var isBrokered = false
  /// The broker said the remote command ended without a reply (it is missing, or refused): no retry helps.
  private(set) var remoteCommandFailed = false
  /// Bytes received so far (a broker's failure can only come first).
  private var received = 0
  private var stream: Stream?
  private let ioTimeout: Int

  private enum Stream {
    case socket(FileDescriptor)
    case tunnel(ExternalSSHTunnel)
    case channel(SSHChannel)
  }

  private init(peer: String, stream: Stream, ioTimeout: Int) {
    self.peer = peer
    self.stream = stream
    self.ioTimeout = ioTimeout
  }

  deinit { close() }

  /// Connects to `name:port`, trying each address the name resolves to.
  static func connect(
    name: String, port: Int, connectTimeoutMilliseconds: Int64 = 4000, ioTimeout: Int
  ) throws(ClientError) -> HostConnection {
    let peer = name.contains(":") ? "[\(name)]:\(port)" : "\(name):\(port)"
    guard (1...65535).contains(port) else {
      throw .connectFailed(host: peer, reason: "port \(port) is out of range")
    }
    let addresses: [SocketAddress]
    do {
      addresses = try SocketAddress.resolve(host: name, port: UInt16(port))
    } catch {
      throw .connectFailed(
        host: peer, reason: "failed to resolve host \(name) port \(port): \(error)")
    }
    var reason = "no address"
    for address in addresses {
      do {
        let socket = try Socket.connect(
          to: address, deadline: .after(milliseconds: connectTimeoutMilliseconds))
        // The request goes out in a few writes (header while cpp runs, then the source): no Nagle delay.
        try? Socket.setNoDelay(socket, true)
        return HostConnection(peer: peer, stream: .socket(socket), ioTimeout: ioTimeout)
      } catch {
        switch error {
        case .timedOut: reason = "timeout while connecting"
        default: reason = error.errno?.message ?? error.description
        }
      }
    }
    throw .connectFailed(host: peer, reason: reason)
  }

  /// Opens `[user@]host` running `command --inetd --enable-tcp-insecure`: through `DISTCC_SSH`'s program when
  /// that is set (3.4's way, byte for byte), else in process through libssh2 (`SSHTransport`): over the
  /// user's connection broker for that host (`SSHBroker`, started if needed) unless `DISTCC_SSH_PERSIST` is 0,
  /// else one connection for this job. A host or setup libssh2 cannot serve (an RSA key against a current
  /// sshd, `ProxyJump`, `Include`, …) goes through OpenSSH's `ssh` instead, with `notice` saying why; that is
  /// remembered for ``openSSHMemory`` seconds in `$DISTCC_DIR/ssh`.
  static func ssh(
    user: String?, host: String, command: String, configuration: ClientConfiguration, ioTimeout: Int
  ) throws(ClientError) -> HostConnection {
    let destination = SSHDestination(host: host, user: user, command: command)
    let peer = (user.map { $0 + "@" } ?? "") + host
    let options = SSHOptions(
      home: configuration.environment["HOME"] ?? "/", environment: configuration.environment)
    let directory = configuration.distccDirectory.map { $0 + "/ssh" }
    let place = directory.map {
      SSHBrokerPlace(directory: $0, destination: destination, home: options.home)
    }
    do throws(SSHError) {
      if let program = configuration.externalSSH {
        return try tunnel(
          ExternalSSHCommand(distccSSH: program), destination, configuration, peer, ioTimeout)
      }
      if let place, OpenSSHMemory.isFresh(place) {
        let command = ExternalSSHCommand.openSSH(
          options: options, controlDirectory: directory,
          persistSeconds: configuration.sshPersistSeconds)
        return try tunnel(command, destination, configuration, peer, ioTimeout)
      }
      do throws(SSHError) {
        return try inProcess(destination, options, configuration, peer, ioTimeout)
      } catch .needsOpenSSH(let display, let reason) {
        if let place { OpenSSHMemory.record(place, reason: reason) }
        let command = ExternalSSHCommand.openSSH(
          options: options, controlDirectory: directory,
          persistSeconds: configuration.sshPersistSeconds)
        let connection = try tunnel(command, destination, configuration, peer, ioTimeout)
        connection.notice = SSHError.needsOpenSSH(host: display, reason: reason).description
        return connection
      }
    } catch {
      throw .connectFailed(host: peer, reason: error.description)
    }
  }

  /// One line for the job's log about how the connection was made, when that needs saying.
  private(set) var notice: String?

  private static func tunnel(
    _ command: ExternalSSHCommand, _ destination: SSHDestination,
    _ configuration: ClientConfiguration,
    _ peer: String, _ ioTimeout: Int
  ) throws(SSHError) -> HostConnection {
    let tunnel = try command.start(
      destination, environment: configuration.childEnvironmentDictionary())
    return HostConnection(peer: peer, stream: .tunnel(tunnel), ioTimeout: ioTimeout)
  }

  private static func inProcess(
    _ destination: SSHDestination, _ options: SSHOptions, _ configuration: ClientConfiguration,
    _ peer: String, _ ioTimeout: Int
  ) throws(SSHError) -> HostConnection {
    if configuration.sshPersistSeconds > 0, let program = configuration.sshBrokerProgram,
      let directory = configuration.distccDirectory,
      let socket = try SSHBrokerClient.connect(
        destination, options: options,
        settings: SSHBrokerClient.Settings(
          program: program, directory: directory + "/ssh",
          idleSeconds: configuration.sshPersistSeconds,
          environment: configuration.environment))
    {
      let connection = HostConnection(peer: peer, stream: .socket(socket), ioTimeout: ioTimeout)
      connection.isBrokered = true
      return connection
    }
    let channel = try SSHChannel.open(destination, options: options)
    return HostConnection(peer: peer, stream: .channel(channel), ioTimeout: ioTimeout)
  }

  /// The socket of a TCP stream.
  var socket: FileDescriptor? {
    if case .socket(let fd) = stream { fd } else { nil }
  }

  /// The descriptors of a socket or tunnel stream.
  private var descriptors: (read: FileDescriptor, write: FileDescriptor)? {
    switch stream {
    case .socket(let fd): (fd, fd)
    case .tunnel(let tunnel): (tunnel.output, tunnel.input)
    case .channel, nil: nil
    }
  }

  /// Writes all of `bytes`.
  func send(_ bytes: [UInt8]) throws(ClientError) {
    let deadline = Deadline.after(seconds: ioTimeout)
    switch stream {
    case .socket, .tunnel:
      guard let fd = descriptors?.write else {
        throw .connectionLost(host: peer, reason: "connection closed")
      }
      var outcome: Result<Void, PosixError> = .success(())
      bytes.withUnsafeBytes { buffer in
        outcome = Result { () throws(PosixError) in
          try fd.writeAll(buffer, deadline: deadline, operation: "write")
        }
      }
      do { try outcome.get() } catch { throw translate(error, operation: "sending to") }
    case .channel(let channel):
      do { try channel.write(bytes, deadline: deadline) } catch {
        throw .connectionLost(host: peer, reason: error.description)
      }
    case nil:
      throw .connectionLost(host: peer, reason: "connection closed")
    }
  }

  /// Reads what is available into `buffer`; 0 means end of stream.
  func receive(into buffer: inout [UInt8]) throws(ClientError) -> Int {
    let deadline = Deadline.after(seconds: ioTimeout)
    switch stream {
    case .socket, .tunnel:
      guard let fd = descriptors?.read else {
        throw .connectionLost(host: peer, reason: "connection closed")
      }
      var outcome: Result<Int, PosixError> = .success(0)
      buffer.withUnsafeMutableBytes { raw in
        outcome = Result { () throws(PosixError) in
          try fd.readSome(into: raw, deadline: deadline, operation: "read")
        }
      }
      let count: Int
      do { count = try outcome.get() } catch { throw translate(error, operation: "receiving from") }
      if isBrokered && received == 0 && count > 0,
        let reason = SSHBrokerClient.failureInsteadOfReply(
          buffer[..<count], socket: fd, deadline: deadline)
      {
        remoteCommandFailed = true
        throw .connectionLost(host: peer, reason: reason)
      }
      received += count
      return count
    case .channel(let channel):
      var outcome: Result<Int, SSHError> = .success(0)
      buffer.withUnsafeMutableBytes { raw in
        outcome = Result { () throws(SSHError) in try channel.read(into: raw, deadline: deadline) }
      }
      do { return try outcome.get() } catch {
        throw .connectionLost(host: peer, reason: error.description)
      }
    case nil:
      throw .connectionLost(host: peer, reason: "connection closed")
    }
  }

  /// What is already waiting to be read on a socket or tunnel, without waiting; `nil` when nothing is (or
  /// on an SSH channel, whose reads cannot be polled here).
  func receiveWaiting(upTo count: Int) -> [UInt8]? {
    guard let fd = descriptors?.read,
      let bytes = try? fd.readSome(upTo: count, deadline: .now, operation: "read"), !bytes.isEmpty
    else { return nil }
    return bytes
  }

  private func translate(_ error: PosixError, operation: String) -> ClientError {
    switch error {
    case .timedOut: .timedOut(host: peer, operation: operation)
    case .endOfFile: .connectionLost(host: peer, reason: "unexpected end of file")
    case .system(let what, let code):
      .connectionLost(host: peer, reason: "failed to \(what): \(code.message)")
    }
  }

  /// Closes the connection; a tunnel program is waited for (and killed after 5 s).
  func close() {
    switch stream {
    case .socket(let fd): fd.closeIgnoringErrors()
    case .tunnel(let tunnel): tunnel.close(deadline: .after(seconds: 5))
    case .channel(let channel): channel.close()
    case nil: break
    }
    stream = nil
  }
}
