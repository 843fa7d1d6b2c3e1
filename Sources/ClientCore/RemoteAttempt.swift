import CompilerArgs
import DistProtocol
import HostSpec

/// One attempt to compile a job on one remote host (client.md §8.1–8.2): connect, send the request header
/// while the preprocessor runs, send the preprocessed source, read the reply.
struct RemoteAttempt {
  var job: CompileJob
  var host: HostEntry
  var version: ProtocolVersion
  var configuration: ClientConfiguration
  var ioTimeout: Int
  /// Extensions beyond 3.4 the request uses (only ones the host announced, ``HostExtensions``).
  var extensions: Extensions = []
  /// The client's compiler identity (`CCID`), sent when ``extensions`` has ``Extensions/compilerIdentity``.
  var compilerIdentity: [UInt8]? = nil

  /// How an attempt that reached its end went.
  enum Outcome {
    /// The server replied, and announced these extensions after its reply (`nil`: it is a 3.4 daemon, or
    /// the announcement had not arrived with the reply).
    case reply(Response, announced: Extensions?)
    /// The server replied with a failure status and an object, which 3.4 calls a compile failure.
    case failedWithOutput(WaitStatus)
    /// The local preprocessor failed (its job result); nothing was sent beyond the header.
    case preprocessorFailed(Int32)
  }

  /// Runs the attempt. Transport and protocol failures throw; `log` gets the progress lines 3.4 logs.
  ///
  /// A connection through an SSH connection broker that is lost before the reply (the broker was killed, its
  /// session dropped) is tried once more: the next connection starts a new broker. A remote command that
  /// ended without replying (the broker says so) is not.
  func run(
    preprocessor: Preprocessor, state: inout JobState, log: ClientLog
  ) throws(ClientError) -> Outcome {
    let connection = try connect(log: log)
    do {
      defer { connection.close() }
      return try exchange(on: connection, preprocessor: preprocessor, state: &state, log: log)
    } catch {
      guard connection.isBrokered, !connection.remoteCommandFailed, case .connectionLost = error
      else { throw error }
      log.warning("\(error.description); retrying once through a new SSH connection")
      let again = try connect(log: log)
      defer { again.close() }
      return try exchange(on: again, preprocessor: preprocessor, state: &state, log: log)
    }
  }

  private func exchange(
    on connection: HostConnection, preprocessor: Preprocessor, state: inout JobState, log: ClientLog
  ) throws(ClientError) -> Outcome {
    let unwatch = watchForCancellation(connection)
    defer { unwatch() }
    state.note(.send, .remote)

    let arguments = job.serverArguments
    log.info("exec on \(host.displayName): \(ClientLog.format(arguments))")
    // The request's head goes out while the preprocessor runs (as 3.4 sends it), its source afterwards.
    var request = Request(version: version, arguments: arguments.map { Array($0.utf8) })
    request.extensions = extensions
    if extensions.contains(.compilerIdentity) { request.compilerIdentity = compilerIdentity }
    try connection.send(try encoded(request.encodedHead()))

    state.note(.preprocess, .local)
    let source: [UInt8]
    switch try preprocessor.finish() {
    case .failed(let result): return .preprocessorFailed(result)
    case .success(let bytes): source = bytes
    }
    // The body goes out as it is (v1) or as one LZO stream (v2), after its own 12-byte header: no copy of a
    // large preprocessed source into a packet buffer.
    let packet = try encoded(
      Request.encodedSourcePacket(source, version: version, extensions: extensions))
    try connection.send(packet.header)
    try connection.send(packet.body)
    state.note(.compile, .remote, host: host.stateName)
    if !extensions.isEmpty { log.info("\(host.displayName): request uses \(extensions)") }
    return try receive(from: connection, state: &state)
  }

  /// Lets a cancelled call (the async API) shut `connection`'s socket down, which ends any wait on it, until
  /// the returned closure is called (before the connection is closed: its number may be reused).
  func watchForCancellation(_ connection: HostConnection) -> () -> Void {
    guard let cancellation = configuration.cancellation, let socket = connection.socket else {
      return {}
    }
    cancellation.watch(socket: socket)
    return { cancellation.forget(socket: socket) }
  }

  /// Reads the reply to a request sent on `connection` (protocols 1–3; `PumpAttempt` sends protocol 3's).
  func receive(from connection: HostConnection, state: inout JobState) throws(ClientError)
    -> Outcome
  {
    var decoder = ResponseDecoder(expecting: version, extensions: extensions)
    // Bytes are only ever read from `buffer[..<count]` after a read wrote them: no need to zero-fill it.
    var buffer = [UInt8](unsafeUninitializedCapacity: 64 * 1024) { $1 = $0.count }
    var receiving = false
    do {
      while true {
        let count = try connection.receive(into: &buffer)
        if count == 0 {
          try decoder.finish()
          throw ClientError.connectionLost(
            host: host.displayName, reason: "server provided no answer")
        }
        if !receiving {
          receiving = true
          state.note(.receive, .remote)
        }
        buffer.withUnsafeBytes { decoder.append(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
        if let response = try decoder.next() {
          return .reply(response, announced: announcement(after: &decoder, on: connection))
        }
      }
    } catch let error as DistProtocolError {
      if case .outputWithFailedStatus(let status, _, _) = error { return .failedWithOutput(status) }
      if case .truncated = error {
        throw .connectionLost(
          host: host.displayName, reason: "server closed the connection mid-reply (\(error))")
      }
      throw .protocolError(host: host.displayName, reason: error.description)
    } catch let error as ClientError {
      throw error
    } catch {
      throw .protocolError(host: host.displayName, reason: "\(error)")
    }
  }

  private func connect(log: ClientLog) throws(ClientError) -> HostConnection {
    let connection = try connect()
    if let notice = connection.notice { log.warning(notice) }
    return connection
  }

  /// The result of an encoder; a request the encoder rejects (a body past 4 GiB) is a protocol error.
  private func encoded<T>(_ encode: @autoclosure () throws(DistProtocolError) -> T)
    throws(ClientError) -> T
  {
    do { return try encode() } catch {
      if case .bodyTooLong(.doti, let length) = error {
        throw .protocolError(
          host: host.displayName, reason: "preprocessed source too large (\(length) bytes)")
      }
      throw .protocolError(host: host.displayName, reason: error.description)
    }
  }

  /// Our daemon's `XCAP` packet, which it writes together with the reply: among the bytes already read,
  /// or already waiting in the socket (looked at without waiting: a 3.4 daemon sends nothing more).
  private func announcement(after decoder: inout ResponseDecoder, on connection: HostConnection)
    -> Extensions?
  {
    if let announced = decoder.takeAnnouncement() { return announced }
    guard decoder.isAtMessageBoundary, let bytes = connection.receiveWaiting(upTo: 64) else {
      return nil
    }
    return Extensions(announcement: bytes)
  }

  /// A connection to the host (TCP, in-process SSH or `DISTCC_SSH`).
  func connect() throws(ClientError) -> HostConnection {
    switch host.kind {
    case .tcp(let name, let port):
      return try HostConnection.connect(name: name, port: port, ioTimeout: ioTimeout)
    case .ssh(let user, let name, let command):
      return try HostConnection.ssh(
        user: user, host: name, command: command ?? HostEntry.defaultSSHCommand,
        configuration: configuration,
        ioTimeout: ioTimeout)
    case .localhost:
      throw .connectFailed(host: "localhost", reason: "localhost is not a remote host")
    }
  }
}
