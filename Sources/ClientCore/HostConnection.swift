import DistPosix
internal import Glibc
import SystemPackage

/// One job's byte stream to a daemon: a TCP socket, or the pipes of an `ssh` child (client.md §8.1,
/// protocol.md §10). Connecting may take 4 s per address; every read or write waits at most the I/O timeout.
final class HostConnection {
  /// How messages name the peer (`127.0.0.1:3632`).
  let peer: String
  private var input: FileDescriptor?
  private var output: FileDescriptor?
  private let ioTimeout: Int
  private let sshChild: ChildProcess?

  private init(
    peer: String, input: FileDescriptor, output: FileDescriptor?, ioTimeout: Int,
    sshChild: ChildProcess?
  ) {
    self.peer = peer
    self.input = input
    self.output = output
    self.ioTimeout = ioTimeout
    self.sshChild = sshChild
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
        return HostConnection(
          peer: peer, input: socket, output: nil, ioTimeout: ioTimeout, sshChild: nil)
      } catch {
        switch error {
        case .timedOut: reason = "timeout while connecting"
        default: reason = error.errno?.message ?? error.description
        }
      }
    }
    throw .connectFailed(host: peer, reason: reason)
  }

  /// Starts `ssh [-l user] host command --inetd --enable-tcp-insecure` and talks over its stdin and stdout.
  static func ssh(
    user: String?, host: String, command: String, configuration: ClientConfiguration, ioTimeout: Int
  ) throws(ClientError) -> HostConnection {
    let peer = (user.map { $0 + "@" } ?? "") + host
    let toChild: (read: FileDescriptor, write: FileDescriptor)
    let fromChild: (read: FileDescriptor, write: FileDescriptor)
    do {
      toChild = try Pipe.make()
      do {
        fromChild = try Pipe.make()
      } catch {
        toChild.read.closeIgnoringErrors()
        toChild.write.closeIgnoringErrors()
        throw error
      }
    } catch let error as PosixError {
      throw .connectFailed(host: peer, reason: error.description)
    } catch {
      throw .connectFailed(host: peer, reason: "\(error)")
    }
    defer {
      toChild.read.closeIgnoringErrors()
      fromChild.write.closeIgnoringErrors()
    }
    var arguments = configuration.sshCommand
    if let user { arguments += ["-l", user] }
    arguments += [host, command, "--inetd", "--enable-tcp-insecure"]
    let child: ChildProcess
    do {
      child = try Spawn.start(
        arguments, configuration: configuration, standardInput: toChild.read,
        standardOutput: fromChild.write,
        newProcessGroup: true)
    } catch {
      toChild.write.closeIgnoringErrors()
      fromChild.read.closeIgnoringErrors()
      throw .connectFailed(host: peer, reason: error.description)
    }
    try? toChild.write.setNonBlocking(true)
    return HostConnection(
      peer: peer, input: fromChild.read, output: toChild.write, ioTimeout: ioTimeout,
      sshChild: child)
  }

  private var writeEnd: FileDescriptor? { output ?? input }

  /// Writes all of `bytes`.
  func send(_ bytes: [UInt8]) throws(ClientError) {
    guard let writeEnd else { throw .connectionLost(host: peer, reason: "connection closed") }
    do {
      try writeAll(writeEnd, bytes)
    } catch {
      throw translate(error, operation: "sending to")
    }
  }

  private func writeAll(_ fd: FileDescriptor, _ bytes: [UInt8]) throws(PosixError) {
    var outcome: Result<Void, PosixError> = .success(())
    bytes.withUnsafeBytes { buffer in
      outcome = Result { () throws(PosixError) in
        try fd.writeAll(buffer, deadline: .after(seconds: ioTimeout), operation: "write")
      }
    }
    try outcome.get()
  }

  /// Reads what is available into `buffer`; 0 means end of stream.
  func receive(into buffer: inout [UInt8]) throws(ClientError) -> Int {
    guard let input else { throw .connectionLost(host: peer, reason: "connection closed") }
    var outcome: Result<Int, PosixError> = .success(0)
    buffer.withUnsafeMutableBytes { raw in
      outcome = Result { () throws(PosixError) in
        try input.readSome(into: raw, deadline: .after(seconds: ioTimeout), operation: "read")
      }
    }
    do {
      return try outcome.get()
    } catch {
      throw translate(error, operation: "receiving from")
    }
  }

  private func translate(_ error: PosixError, operation: String) -> ClientError {
    switch error {
    case .timedOut: .timedOut(host: peer, operation: operation)
    case .endOfFile: .connectionLost(host: peer, reason: "unexpected end of file")
    case .system(let what, let code):
      .connectionLost(host: peer, reason: "failed to \(what): \(code.message)")
    }
  }

  /// Closes the connection; an ssh child is terminated and reaped.
  func close() {
    input?.closeIgnoringErrors()
    output?.closeIgnoringErrors()
    input = nil
    output = nil
    if let sshChild {
      sshChild.sendToGroup(SIGTERM)
      _ = try? sshChild.reap()
    }
  }
}
