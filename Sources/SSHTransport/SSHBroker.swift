internal import CLibSSH2
import DistPosix
internal import Glibc
import SystemPackage

/// The per-user connection broker: one authenticated SSH session to one destination, kept for
/// `idleSeconds` after its last job, serving every `distcc` process of the same user through a UNIX-domain
/// socket (OpenSSH's ControlMaster with ControlPersist, in process with libssh2).
///
/// The first client that finds no broker binds the socket and starts one (``SSHBrokerClient``), handing it
/// the listening socket as descriptor 3, so later clients can connect at once. The broker is one thread: a
/// `poll` loop over the listening socket, the session's TCP socket and its clients' sockets. Each job gets a
/// channel running the remote command (`distccd --inetd`); the broker relays bytes between the client's socket
/// and the channel, and keeps one spare channel already started for the next job, so a job pays neither the
/// handshake nor the remote command's start-up. Only the broker's own uid may use it (`SO_PEERCRED`).
public final class SSHBroker {
  /// `distcc --ssh-broker …` starts a broker in this process instead of compiling.
  public static let modeArgument = "--ssh-broker"
  /// sshd's default `MaxSessions`: channels one connection may have open at a time.
  static let defaultChannelLimit = 10

  let listener: FileDescriptor
  let place: SSHBrokerPlace
  let destination: SSHDestination
  let options: SSHOptions
  let idleMilliseconds: Int64
  /// The inode of the socket path this broker serves, so that it never removes a successor's.
  let socketInode: ino_t?
  private var connection: SSHConnection?
  private var jobs: [BrokerJob] = []
  private var opening: (command: String, channel: OpaquePointer?)?
  private var spare: (command: String, channel: OpaquePointer)?
  /// Channels being closed (libssh2 waits for the server's CLOSE without blocking).
  private var closing: [OpaquePointer] = []
  /// The command the last job ran: the spare channel runs it.
  private var lastCommand: String?
  /// Set after a spare ended on its own (the remote command is missing or exits): no more spares.
  private var sparesFail = false
  private var channelLimit = defaultChannelLimit
  /// When the server began refusing channels while none of ours was open (see ``advanceOpening()``).
  private var refusedSince: Deadline?
  private var idleSince = Deadline.now
  private var scratch = [UInt8](repeating: 0, count: 64 * 1024)

  init(
    listener: FileDescriptor, place: SSHBrokerPlace, destination: SSHDestination,
    options: SSHOptions,
    idleSeconds: Int
  ) {
    self.listener = listener
    self.place = place
    self.destination = destination
    self.options = options
    self.idleMilliseconds = Int64(idleSeconds) * 1000
    var info = stat()
    socketInode = stat(place.socketPath, &info) == 0 ? info.st_ino : nil
  }

  /// The broker mode's entry point: `arguments` are those after ``modeArgument`` (see
  /// ``SSHBrokerClient``), the listening socket is descriptor 3. Returns the exit status.
  public static func main(arguments: [String], environment: [String: String]) -> Int32 {
    guard let request = SSHBrokerClient.LaunchArguments(arguments) else {
      let text = "distcc: \(modeArgument): bad arguments\n"
      _ = text.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
      return 2
    }
    _ = chdir("/")
    let listener = FileDescriptor(rawValue: ListenDescriptors.firstDescriptor)
    _ = try? listener.setNonBlocking(true)
    _ = try? listener.setCloseOnExec(true)
    let options = SSHOptions(home: environment["HOME"] ?? "/", environment: environment)
    let broker = SSHBroker(
      listener: listener, place: request.place, destination: request.destination, options: options,
      idleSeconds: request.idleSeconds)
    return broker.run()
  }

  /// Serves until idle for `idleSeconds` or until the session fails.
  func run() -> Int32 {
    do {
      connection = try SSHConnection.open(destination, options: options)
    } catch {
      if case .needsOpenSSH(_, let reason) = error {
        leave(answering: .openSSH, reason: reason)
      } else {
        leave(answering: .failed, reason: error.description)
      }
      return 1
    }
    while true {
      var quiet = 0
      var passes = 0
      // Until two passes in a row move nothing: a packet libssh2 read for one channel while serving another
      // is then taken up before we sleep.
      while quiet < 2 && passes < 64 {
        quiet = pass() ? 0 : quiet + 1
        passes += 1
        if failure != nil { break }
      }
      if let failure {
        leave(answering: .retry, reason: failure)
        return 0
      }
      let busy = !jobs.isEmpty || opening != nil || !closing.isEmpty
      if busy { idleSince = .now }
      if !busy
        && idleSince.nanoseconds / 1_000_000 + idleMilliseconds <= Deadline.now.nanoseconds
          / 1_000_000
      {
        leave(answering: .retry, reason: "")
        return 0
      }
      sleep(busy: busy)
    }
  }

  /// Why the session failed, once it has.
  private var failure: String?

  // MARK: One pass

  /// Accepts, reads hellos, hands out channels, opens the next one and relays; whether anything moved.
  private func pass() -> Bool {
    var moved = acceptClients()
    for job in jobs where !isFinished(job) {
      if case .hello = job.state { moved = readHello(job) || moved }
    }
    moved = assignChannels() || moved
    moved = advanceOpening() || moved
    for job in jobs where job.channel != nil {
      moved = relay(job) || moved
    }
    moved = checkSpare() || moved
    moved = finishClosing() || moved
    jobs.removeAll { isFinished($0) }
    return moved
  }

  private func isFinished(_ job: BrokerJob) -> Bool {
    if case .finished = job.state { return true }
    return false
  }

  private func acceptClients() -> Bool {
    var moved = false
    while let client = try? Socket.accept(listener, deadline: .now) {
      moved = true
      guard let peer = try? Socket.peerCredentials(client.0), peer.uid == geteuid() else {
        client.0.closeIgnoringErrors()  // another user: not a byte
        continue
      }
      jobs.append(BrokerJob(client: client.0))
    }
    return moved
  }

  private func readHello(_ job: BrokerJob) -> Bool {
    guard case .hello(var bytes) = job.state else { return false }
    let count = scratch.withUnsafeMutableBytes { job.readClient($0) }
    guard let count else { return false }
    guard count > 0 else {
      job.closeClient()
      return true
    }
    bytes += scratch[..<count]
    switch BrokerWire.parse(bytes) {
    case .incomplete: job.state = .hello(bytes)
    case .malformed: job.closeClient()
    case .command(let command): job.state = .waiting(command: command)
    }
    return true
  }

  /// Gives waiting jobs the spare channel, and starts opening one for the first job still waiting (or a
  /// spare for the next job).
  private func assignChannels() -> Bool {
    var moved = false
    for job in jobs {
      guard let command = job.waitingCommand else { continue }
      guard let ready = spare, ready.command == command else { continue }
      spare = nil
      start(job, on: ready.channel)
      moved = true
    }
    guard opening == nil, let session = connection?.session else { return moved }
    let command =
      jobs.lazy.compactMap(\.waitingCommand).first
      ?? (spare == nil && !sparesFail ? lastCommand : nil)
    guard let command, openChannels < channelLimit else { return moved }
    opening = (command, nil)
    _ = session
    return true
  }

  private var openChannels: Int {
    jobs.count { $0.channel != nil } + (spare == nil ? 0 : 1) + closing.count
      + (opening == nil ? 0 : 1)
  }

  private func start(_ job: BrokerJob, on channel: OpaquePointer) {
    lastCommand = job.waitingCommand
    job.command = job.waitingCommand ?? ""
    job.state = .relaying(channel: channel)
    job.answer(.ready)
  }

  /// Advances the channel being opened (libssh2 opens one at a time per session).
  private func advanceOpening() -> Bool {
    guard let (command, pending) = opening, let session = connection?.session else { return false }
    let api = session.api
    var channel = pending
    if channel == nil {
      channel = api.channelOpenEx(
        session.raw, "session", 7, SSHConnection.channelWindow,
        UInt32(LIBSSH2_CHANNEL_PACKET_DEFAULT), nil, 0)
      guard let opened = channel else {
        let code = session.lastErrorCode
        if code == LIBSSH2_ERROR_EAGAIN || code == LIBSSH2_ERROR_BAD_USE { return false }
        if code == LIBSSH2_ERROR_CHANNEL_FAILURE && openChannels > 1 {
          // The server's MaxSessions is lower than we thought: wait for a channel to close.
          channelLimit = max(1, openChannels - 1)
          opening = nil
          return true
        }
        if code == LIBSSH2_ERROR_CHANNEL_FAILURE {
          // Refused with none of ours open: sshd frees a session slot a moment after the channel's close
          // (with `MaxSessions 1` the next job's channel met that every few jobs and took the broker
          // down). Try again for a while before giving the session up.
          let since = refusedSince ?? .now
          refusedSince = since
          if Deadline.now.nanoseconds - since.nanoseconds < 2_000_000_000 {
            opening = nil
            return true
          }
        }
        failure = SSHError.channel(host: session.display, reason: session.lastError).description
        return true
      }
      opening = (command, opened)
      channel = opened
      refusedSince = nil
    }
    guard let channel else { return false }
    let result = api.channelProcessStartup(channel, "exec", 4, command, UInt32(command.utf8.count))
    if result == LIBSSH2_ERROR_EAGAIN { return false }
    if result == LIBSSH2_ERROR_BAD_USE {
      // The exec request met another channel's half-sent packet (a job's upload filling the socket on a
      // slow link): libssh2 then marks this channel "can not be reused" and answers BAD_USE for ever after.
      // Close it and open another on a later pass (this looped for good before: found on a 20 Mbit/s,
      // 40 ms link by Benchmarks/slowlink.sh).
      closing.append(channel)
      opening = (command, nil)
      return true
    }
    opening = nil
    if result != 0 {
      let reason = SSHError.exec(host: session.display, command: command, reason: session.lastError)
        .description
      closing.append(channel)
      for job in jobs where job.waitingCommand == command {
        job.answer(.failed, reason: reason)
        job.closeClient()
      }
      return true
    }
    if let job = jobs.first(where: { $0.waitingCommand == command }) {
      start(job, on: channel)
    } else if let old = spare {
      closing.append(old.channel)
      spare = (command, channel)
    } else {
      spare = (command, channel)
    }
    return true
  }

  /// Moves bytes both ways for one job; ends it when either side is done.
  private func relay(_ job: BrokerJob) -> Bool {
    guard let channel = job.channel, let session = connection?.session else { return false }
    if job.silentEndSince != nil { return reportSilentEnd(job, channel: channel, session: session) }
    let api = session.api
    var moved = false
    // Client → remote.
    if !job.hasPendingWrite {
      let count = scratch.withUnsafeMutableBytes { job.readClient($0) }
      if let count {
        if count <= 0 {
          // The client has its reply (or gave up): the job is over.
          end(job)
          return true
        }
        job.toRemote.removeAll(keepingCapacity: true)
        job.toRemote += scratch[..<count]
        job.toRemoteOffset = 0
        moved = true
      }
    }
    while job.hasPendingWrite {
      let written = job.toRemote[job.toRemoteOffset...].withUnsafeBytes {
        api.channelWriteEx(
          channel, 0, $0.baseAddress?.assumingMemoryBound(to: CChar.self), $0.count)
      }
      if written > 0 {
        job.toRemoteOffset += written
        moved = true
        continue
      }
      if written == 0 || written == Int(LIBSSH2_ERROR_EAGAIN)
        || written == Int(LIBSSH2_ERROR_BAD_USE)
      {
        break
      }
      if job.relayedBytes == 0 && api.channelEof(channel) != 0 {
        // The remote command is gone before replying: tell the client why instead of hanging up.
        job.silentEndSince = .now
        return true
      }
      sessionFailed(Int32(written))
      end(job)
      return true
    }
    // Remote → client.
    drainStderr(channel, keepingFor: job)
    if !job.hasPendingOutput && !job.remoteEnded {
      let count = scratch.withUnsafeMutableBytes {
        api.channelReadEx(channel, 0, $0.baseAddress?.assumingMemoryBound(to: CChar.self), $0.count)
      }
      if count > 0 {
        job.relayedBytes += count
        job.toClient.removeAll(keepingCapacity: true)
        job.toClient += scratch[..<count]
        job.toClientOffset = 0
        moved = true
      } else if count == 0 && api.channelEof(channel) != 0 {
        job.remoteEnded = true
        moved = true
      } else if count < 0 && count != Int(LIBSSH2_ERROR_EAGAIN)
        && count != Int(LIBSSH2_ERROR_BAD_USE) && !isDeferredWindowAdjust(count)
      {
        sessionFailed(Int32(count))
        end(job)
        return true
      }
    }
    if job.hasPendingOutput {
      let before = job.toClientOffset
      guard job.flushToClient() else {
        end(job)
        return true
      }
      moved = moved || job.toClientOffset != before || !job.hasPendingOutput
    }
    if job.remoteEnded && !job.hasPendingOutput {
      if job.relayedBytes == 0 {
        job.silentEndSince = .now
      } else {
        end(job)
      }
      return true
    }
    return moved
  }

  /// A remote command that ended without a byte of reply (missing, or refusing to serve): once its channel
  /// has closed (so its exit status is known) or after two seconds, the client gets
  /// ``BrokerWire/Status/failed`` and the reason where the reply would have started (a distcc reply starts
  /// with `DONE`, so the first byte tells them apart; ``SSHBrokerClient/failureInsteadOfReply``) and no
  /// retry is spent on it. The client's request is read and dropped meanwhile; the job ends when it closes.
  private func reportSilentEnd(_ job: BrokerJob, channel: OpaquePointer, session: LibSSH2Session)
    -> Bool
  {
    var moved = false
    while let count = scratch.withUnsafeMutableBytes({ job.readClient($0) }) {
      guard count > 0 else {
        end(job)
        return true
      }
      moved = true
    }
    guard !job.failureSent, let since = job.silentEndSince else { return moved }
    let api = session.api
    drainStderr(channel, keepingFor: job)
    let closed = api.channelWaitClosed(channel) == 0
    guard closed || Deadline.now.nanoseconds - since.nanoseconds > 2_000_000_000 else {
      return moved
    }
    let text = String(decoding: job.stderrTail, as: UTF8.self)
      .split(whereSeparator: \.isNewline).suffix(3).joined(separator: " / ")
    let reason = SSHError.remoteCommandFailed(
      host: session.display, command: job.command,
      exitStatus: closed ? api.channelGetExitStatus(channel) : nil, stderr: text
    ).description
    job.answer(.failed, reason: reason)
    try? Socket.shutdownWrite(job.client)
    job.failureSent = true
    return true
  }

  private func end(_ job: BrokerJob) {
    if let channel = job.channel { closing.append(channel) }
    job.closeClient()
  }

  /// Remote stderr is not part of the job; read (its tail kept for `job`'s failure message) and dropped so it
  /// never holds the channel's window.
  private func drainStderr(_ channel: OpaquePointer, keepingFor job: BrokerJob? = nil) {
    guard let api = connection?.session.api else { return }
    while true {
      let count = scratch.withUnsafeMutableBytes {
        api.channelReadEx(
          channel, SSH_EXTENDED_DATA_STDERR, $0.baseAddress?.assumingMemoryBound(to: CChar.self),
          $0.count)
      }
      if count > 0 {
        job?.keepStderr(scratch[..<count])
        continue
      }
      if count < 0 && !isDeferredWindowAdjust(count) { sessionFailed(Int32(count)) }
      return
    }
  }

  /// A channel read that had to enlarge the receive window while another channel's packet was half sent:
  /// libssh2 queues the window adjustment for the next read and reports `LIBSSH2_ERROR_SOCKET_SEND` with
  /// "deferring" in its message. The session is fine; the read is simply to be tried again.
  private func isDeferredWindowAdjust(_ code: Int) -> Bool {
    guard code == Int(LIBSSH2_ERROR_SOCKET_SEND), let session = connection?.session else {
      return false
    }
    return session.lastError.contains("deferring")
  }

  /// A libssh2 error that is not about one channel ends the session: every job is retried by its client.
  private func sessionFailed(_ code: Int32) {
    guard let session = connection?.session else { return }
    switch code {
    case LIBSSH2_ERROR_SOCKET_SEND, LIBSSH2_ERROR_SOCKET_RECV, LIBSSH2_ERROR_SOCKET_DISCONNECT,
      LIBSSH2_ERROR_SOCKET_TIMEOUT, LIBSSH2_ERROR_TIMEOUT, LIBSSH2_ERROR_DECRYPT,
      LIBSSH2_ERROR_PROTO:
      failure = SSHError.io(host: session.display, reason: session.lastError).description
    default:
      break
    }
  }

  /// A spare whose remote command ended on its own is dropped, and no more are started: the command is
  /// missing or will not wait, and each job then gets a fresh channel and the remote command's own failure.
  private func checkSpare() -> Bool {
    guard let ready = spare, let api = connection?.session.api else { return false }
    drainStderr(ready.channel)
    guard api.channelEof(ready.channel) != 0 else { return false }
    spare = nil
    sparesFail = true
    closing.append(ready.channel)
    return true
  }

  private func finishClosing() -> Bool {
    guard let api = connection?.session.api, !closing.isEmpty else { return false }
    let before = closing.count
    closing.removeAll { channel in
      let result = api.channelFree(channel)
      return result != LIBSSH2_ERROR_EAGAIN && result != LIBSSH2_ERROR_BAD_USE
    }
    return closing.count != before
  }

  // MARK: Waiting and leaving

  /// Sleeps until a socket is ready, or briefly while libssh2 may hold data a socket will not announce.
  /// With no channel open, the session's socket is watched only for the host hanging up, which ends the
  /// broker (there is nothing to read it for).
  private func sleep(busy: Bool) {
    let now = Deadline.now.nanoseconds / 1_000_000
    var timeout: Int64 =
      busy ? 100 : max(0, idleSince.nanoseconds / 1_000_000 + idleMilliseconds - now)
    guard let session = connection?.session else { return }
    let api = session.api
    let channelsOpen = openChannels > 0
    var sessionEvents: PollEvents = channelsOpen ? .readable : .readHangUp
    if api.sessionBlockDirections(session.raw) & LIBSSH2_SESSION_BLOCK_OUTBOUND != 0 {
      sessionEvents.insert(.writable)
    }
    var entries: [(FileDescriptor, PollEvents)] = [
      (listener, .readable), (session.socket, sessionEvents),
    ]
    if opening != nil || !closing.isEmpty { timeout = min(timeout, 10) }
    for job in jobs {
      var events: PollEvents = []
      switch job.state {
      case .hello: events = .readable
      case .relaying where job.silentEndSince != nil:
        events = .readable
        if !job.failureSent { timeout = min(timeout, 10) }
      case .relaying(let channel):
        if !job.hasPendingWrite { events = .readable }
        if job.hasPendingWrite { timeout = min(timeout, 10) }
        if !job.hasPendingOutput
          && (api.pollChannelRead(channel, 0) != 0 || api.channelEof(channel) != 0)
        {
          timeout = 0
        }
      default: break
      }
      if job.hasPendingOutput { events.insert(.writable) }
      entries.append((job.client, events))
    }
    let ready = (try? Poll.wait(entries, deadline: .after(milliseconds: timeout))) ?? []
    if !channelsOpen, ready.count > 1,
      !ready[1].intersection([.readHangUp, .hangUp, .error]).isEmpty
    {
      failure =
        SSHError.io(host: session.display, reason: "the host closed the connection").description
    }
  }

  /// Stops serving: removes the socket (if still ours, under the start lock), answers every client not yet
  /// relaying with `status` and drops the others, then closes the channels and the session.
  private func leave(answering status: BrokerWire.Status, reason: String) {
    SSHBrokerClient.withStartLock(place) {
      var info = stat()
      if let socketInode, stat(place.socketPath, &info) == 0, info.st_ino == socketInode {
        unlink(place.socketPath)
      }
    }
    while let client = try? Socket.accept(listener, deadline: .now) {
      jobs.append(BrokerJob(client: client.0))
    }
    listener.closeIgnoringErrors()
    for job in jobs where !isFinished(job) {
      if job.channel == nil { job.answer(status, reason: reason) }
      end(job)
    }
    jobs.removeAll()
    if let ready = spare { closing.append(ready.channel) }
    if let channel = opening?.channel { closing.append(channel) }
    spare = nil
    opening = nil
    if let session = connection?.session {
      session.api.sessionSetTimeout(session.raw, 1000)
      session.api.sessionSetBlocking(session.raw, 1)
      for channel in closing { _ = session.api.channelFree(channel) }
    }
    closing.removeAll()
    connection = nil
  }
}
