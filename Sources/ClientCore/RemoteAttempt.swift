import CompilerArgs
import DistPosix
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
  /// Whether to wait for our daemon's ``ReplyTrailer`` after the reply when it is not among the bytes
  /// already read: false for a host that lately answered without one (a 3.4 daemon, which has nothing to
  /// check and would only be waited on until it closes the connection).
  var awaitsTrailer = true
  /// Where a plain object body is written as it arrives (``ObjectReceiver``); `nil`: collected in memory.
  var object: ObjectReceiver? = nil
  /// A connection opened while the local preprocessor runs (``connectEarly()``), or why it could not be:
  /// what the next ``run(preprocessor:state:log:)`` uses (and reports) instead of connecting then.
  var early: Result<HostConnection, ClientError>? = nil

  /// The working directory as the client's clang names it (`-fdebug-compilation-dir`, for a rewritten-includes
  /// request): `$PWD` when it is an absolute name of the directory the compiler runs in, else that
  /// directory's canonical name (LLVM's `current_path`).
  var debugDirectory: String {
    let directory = configuration.workingDirectory ?? "."
    if let pwd = configuration.environment["PWD"], pwd.hasPrefix("/"),
      let named = try? FileStatus(pwd), let here = try? FileStatus(directory),
      named.device == here.device, named.inode == here.inode
    {
      return pwd
    }
    return (try? Paths.resolved(directory)) ?? directory
  }

  /// How an attempt that reached its end went.
  enum Outcome {
    /// The server replied; `trailer` is what our daemon sends after its reply (the extensions it offers,
    /// the identity of the compiler it ran), `nil` from a 3.4 daemon.
    case reply(Response, trailer: ReplyTrailer?)
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
  mutating func run(
    preprocessor: Preprocessor, state: inout JobState, log: ClientLog
  ) throws(ClientError) -> Outcome {
    let connection: HostConnection
    if let opened = early {
      early = nil
      connection = try opened.get()
      if let notice = connection.notice { log.warning(notice) }
    } else {
      connection = try connect(log: log)
    }
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

    let arguments =
      extensions.contains(.rewrittenIncludes)
      ? job.rewrittenIncludesServerArguments(workingDirectory: debugDirectory)
      : job.serverArguments
    log.info("exec on \(host.displayName): \(ClientLog.format(arguments))")
    // The request's head goes out while the preprocessor runs (as 3.4 sends it), its source afterwards.
    var request = Request(version: version, arguments: arguments.map { Array($0.utf8) })
    request.extensions = extensions
    if extensions.contains(.compilerIdentity) { request.compilerIdentity = compilerIdentity }
    try connection.send(try encoded(request.encodedHead()))

    state.note(.preprocess, .local)
    let source: PreprocessedSource
    switch try preprocessor.finish() {
    case .failed(let result): return .preprocessorFailed(result)
    case .success(let preprocessed): source = preprocessed
    }
    try sendSource(source, on: connection)
    state.note(.compile, .remote, host: host.stateName)
    if !extensions.isEmpty { log.info("\(host.displayName): request uses \(extensions)") }
    return try receive(from: connection, state: &state)
  }

  /// Sends the `DOTI` packet of `source`: its 12-byte header, then the body. A plain body (protocol 1) goes
  /// from the file to the socket with `sendfile`; a compressed one is coded from a mapping of cpp's memory
  /// file, with no copy of the source in between.
  private func sendSource(_ source: PreprocessedSource, on connection: HostConnection)
    throws(ClientError)
  {
    let coding = BodyCoding(version: version, extensions: extensions)
    guard coding != .plain else {
      try connection.send(try encoded(Request.sourcePacketHeader(bodyLength: source.count)))
      try connection.send(file: source.file, count: source.count)
      return
    }
    let body: [UInt8]
    do throws(PosixError) {
      body = try source.withBytes { coding.encode($0) }
    } catch {
      throw .system(
        operation: error.operation, path: nil, errno: (error.errno ?? .ioError).rawValue)
    }
    try connection.send(try encoded(Request.sourcePacketHeader(bodyLength: body.count)))
    try connection.send(body)
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
  /// A plain object body goes to ``object`` as it arrives, from the decoder's buffer: it is never held whole.
  /// Unless the outcome is a reply, what it received is discarded.
  func receive(from connection: HostConnection, state: inout JobState) throws(ClientError)
    -> Outcome
  {
    object?.discard()
    var replied = false
    defer { if !replied { object?.discard() } }
    var decoder = ResponseDecoder(
      expecting: version, extensions: extensions, streamingObject: object != nil)
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
        // Object bytes that arrive in reads of their own go from this buffer to the file; the rest, and
        // what follows a header in the same read, goes through the decoder.
        let passed = object == nil ? 0 : decoder.passObjectBytes(count)
        if passed > 0 { object?.write(buffer[..<passed]) }
        buffer.withUnsafeBytes {
          decoder.append(UnsafeRawBufferPointer(rebasing: $0[passed..<count]))
        }
        while true {
          if let response = try decoder.next() {
            replied = true
            return .reply(
              response, trailer: trailer(after: &decoder, on: connection, buffer: &buffer))
          }
          let bytes = decoder.takeObjectBytes()
          if bytes.isEmpty { break }
          object?.write(bytes)
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

  /// Opens the connection now, while the local preprocessor runs, for the next ``run(preprocessor:state:log:)``;
  /// a failure is kept and thrown there, where a failed connection is handled.
  mutating func connectEarly() {
    do throws(ClientError) { early = .success(try connect()) } catch { early = .failure(error) }
  }

  /// Closes a connection ``connectEarly()`` opened that will not be used.
  mutating func closeEarly() {
    if case .success(let connection) = early { connection.close() }
    early = nil
  }

  private func connect(log: ClientLog) throws(ClientError) -> HostConnection {
    let connection = try connect()
    if let notice = connection.notice { log.warning(notice) }
    return connection
  }

  /// The result of an encoder; a request the encoder rejects (a body past 4 GiB) is a protocol error.
  func encoded<T>(_ encode: @autoclosure () throws(DistProtocolError) -> T)
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

  /// Our daemon's ``ReplyTrailer``, which it writes together with the reply: among the bytes already read,
  /// else waited for until it is complete or the daemon closes the connection (a 3.4 daemon closes right
  /// after its reply, and ours sends the trailer in the reply's own write, so the wait is short either way).
  /// It is read before the object is accepted: it names the compiler that made it. A connection that fails
  /// or stalls here (up to the I/O timeout) counts as a 3.4 daemon's; one that ends after an `XCAP` without
  /// its `SCID` (an older daemon of ours) announced that much, compiler unknown.
  private func trailer(
    after decoder: inout ResponseDecoder, on connection: HostConnection, buffer: inout [UInt8]
  ) -> ReplyTrailer? {
    while true {
      switch decoder.takeTrailer() {
      case .complete(let trailer): return trailer
      case .absent: return nil
      case .incomplete:
        guard awaitsTrailer, let count = try? connection.receive(into: &buffer), count > 0 else {
          return decoder.announcementSoFar
        }
        buffer.withUnsafeBytes { decoder.append(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
      }
    }
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
