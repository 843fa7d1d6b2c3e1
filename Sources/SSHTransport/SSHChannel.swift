internal import CLibSSH2
public import DistPosix

/// An in-process SSH channel to a remote `COMMAND --inetd --enable-tcp-insecure`, through libssh2: one distcc job
/// per channel, with the job's bytes on the channel's stdin and stdout, exactly as over TCP.
///
/// The session is non-blocking; every call takes a deadline, so a dead host costs at most the caller's timeout.
/// Not thread-safe: one job, one thread at a time.
///
/// ```swift
/// let channel = try SSHChannel.open(SSHDestination(host: "red", user: "alice"), options: options)
/// defer { channel.close() }
/// try channel.write(request, deadline: .after(milliseconds: 300_000))
/// let bytes = try channel.read(upTo: 65536, deadline: .after(milliseconds: 300_000))   // [] = end of reply
/// ```
public final class SSHChannel {
  /// Where each stage of opening the channel went, in milliseconds, for `--verbose` and measurements.
  /// A channel of a reused ``SSHConnection`` reports zero for the stages it did not repeat.
  public struct SetupTimings: Sendable, Equatable {
    public var connect: Double
    public var handshake: Double
    public var authentication: Double
    public var exec: Double
    public var total: Double { connect + handshake + authentication + exec }
  }

  /// The destination the channel runs on.
  public var destination: SSHDestination { connection.destination }
  /// Time spent in each stage of opening this channel.
  public let setupTimings: SetupTimings
  /// The negotiated key exchange, host key, cipher and MAC, e.g. `curve25519-sha256 ssh-ed25519 aes128-ctr ...`.
  public var negotiatedAlgorithms: String { connection.negotiatedAlgorithms }

  /// The connection this channel runs on; kept alive as long as the channel.
  public let connection: SSHConnection
  private var session: LibSSH2Session { connection.session }
  private var channel: OpaquePointer?
  private var receivedBytes = 0
  private var stderrTail: [UInt8] = []
  private static let stderrLimit = 4096

  init(connection: SSHConnection, channel: OpaquePointer, timings: SetupTimings) {
    self.connection = connection
    self.channel = channel
    self.setupTimings = timings
  }

  deinit { close() }

  /// Opens a connection (``SSHConnection/open(_:options:)``) and one channel on it running
  /// `destination.remoteCommandLine`; the connection closes with the channel.
  ///
  /// - Throws: ``SSHError`` naming the host and the stage that failed.
  public static func open(_ destination: SSHDestination, options: SSHOptions) throws(SSHError)
    -> SSHChannel
  {
    let deadline = Deadline.after(
      milliseconds: (options.connectTimeout + options.setupTimeout).milliseconds)
    let connection = try SSHConnection.open(destination, options: options)
    return try connection.openChannel(deadline: deadline)
  }

  /// Sends all of `bytes` to the remote command's stdin before `deadline`.
  public func write(_ bytes: UnsafeRawBufferPointer, deadline: Deadline) throws(SSHError) {
    guard let channel else { throw .io(host: session.display, reason: "channel already closed") }
    var offset = 0
    while offset < bytes.count {
      let start = bytes.baseAddress!.advanced(by: offset).assumingMemoryBound(to: CChar.self)
      let written = session.api.channelWriteEx(channel, 0, start, bytes.count - offset)
      if written > 0 {
        offset += written
      } else if written == 0 || written == Int(LIBSSH2_ERROR_EAGAIN) {
        drainStderr()
        try session.waitForSocket(stage: .io, deadline: deadline)
      } else {
        throw failure(deadline: deadline)
      }
    }
  }

  /// Sends all of `bytes` to the remote command's stdin before `deadline`.
  public func write(_ bytes: [UInt8], deadline: Deadline) throws(SSHError) {
    let result = bytes.withUnsafeBytes { buffer in
      Result { () throws(SSHError) in try write(buffer, deadline: deadline) }
    }
    try result.get()
  }

  /// Closes the remote command's stdin.
  ///
  /// Do not call this after a distcc request: 3.4's `distccd` takes end of file on its input as the client
  /// going away and kills the job (`Client fd disconnected, killing job`, exit 107). It is for remote commands
  /// that read to end of file.
  public func sendEOF(deadline: Deadline) throws(SSHError) {
    guard let channel else { throw .io(host: session.display, reason: "channel already closed") }
    let result: Int32 = try session.retry(.io, deadline: deadline) {
      session.api.channelSendEof(channel)
    }
    if result != 0 { throw failure(deadline: deadline) }
  }

  /// Reads what the remote command wrote to stdout into `buffer`; returns the count, 0 at the end of the reply.
  ///
  /// - Throws: ``SSHError/remoteCommandFailed(host:command:exitStatus:stderr:)`` if the command ends without
  ///   having sent a single byte (it is missing, or refused to serve), with its exit status and stderr.
  public func read(into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline) throws(SSHError)
    -> Int
  {
    guard let channel else { throw .io(host: session.display, reason: "channel already closed") }
    guard buffer.count > 0 else { return 0 }
    let start = buffer.baseAddress!.assumingMemoryBound(to: CChar.self)
    while true {
      drainStderr()
      let count = session.api.channelReadEx(channel, 0, start, buffer.count)
      if count > 0 {
        receivedBytes += count
        return count
      }
      if count == Int(LIBSSH2_ERROR_EAGAIN) || (count == 0 && session.api.channelEof(channel) == 0)
      {
        try session.waitForSocket(stage: .io, deadline: deadline)
        continue
      }
      if count == 0 {
        if receivedBytes == 0 { throw remoteCommandFailure(deadline: deadline) }
        return 0
      }
      throw failure(deadline: deadline)
    }
  }

  /// Reads up to `maximum` bytes of the reply; an empty array at the end of the reply.
  public func read(upTo maximum: Int, deadline: Deadline) throws(SSHError) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: max(1, maximum))
    let result = bytes.withUnsafeMutableBytes { buffer in
      Result { () throws(SSHError) in try read(into: buffer, deadline: deadline) }
    }
    bytes.removeSubrange(try result.get()...)
    return bytes
  }

  /// The last few kilobytes the remote command wrote to stderr.
  public var remoteStderr: [UInt8] {
    drainStderr()
    return stderrTail
  }

  /// Closes the channel (and its connection, once nothing else holds it). Bounded in time; safe to call twice.
  public func close() {
    guard let channel else { return }
    self.channel = nil
    // Bounded: blocking calls with a one-second timeout, then back to non-blocking for the connection's next
    // channel.
    session.api.sessionSetTimeout(session.raw, 1000)
    session.api.sessionSetBlocking(session.raw, 1)
    _ = session.api.channelFree(channel)
    session.api.sessionSetBlocking(session.raw, 0)
  }

  private func drainStderr() {
    guard let channel else { return }
    var chunk = [CChar](repeating: 0, count: 4096)
    while true {
      let count = session.api.channelReadEx(channel, SSH_EXTENDED_DATA_STDERR, &chunk, chunk.count)
      guard count > 0 else { return }
      stderrTail += chunk[..<count].map { UInt8(bitPattern: $0) }
      if stderrTail.count > Self.stderrLimit {
        stderrTail.removeFirst(stderrTail.count - Self.stderrLimit)
      }
    }
  }

  /// The error for a failed channel call: the remote command's failure if it has ended without a reply,
  /// else an I/O error with libssh2's message.
  private func failure(deadline: Deadline) -> SSHError {
    let reason = session.lastError
    if let channel, receivedBytes == 0, session.api.channelEof(channel) != 0 {
      return remoteCommandFailure(deadline: deadline)
    }
    return .io(host: session.display, reason: reason)
  }

  /// Waits (briefly) for the exit status of a remote command that ended without a reply.
  private func remoteCommandFailure(deadline: Deadline) -> SSHError {
    if let channel {
      let shortly = min(deadline, .after(milliseconds: 2000))
      _ = try? session.retry(.exec, deadline: shortly) { session.api.channelWaitClosed(channel) }
    }
    drainStderr()
    let status: Int32? = channel.map { session.api.channelGetExitStatus($0) }
    let text = String(decoding: stderrTail, as: UTF8.self)
      .split(whereSeparator: \.isNewline).suffix(3).joined(separator: " / ")
    return .remoteCommandFailed(
      host: session.display, command: destination.remoteCommandLine, exitStatus: status,
      stderr: text)
  }
}

/// Milliseconds between laps on `CLOCK_MONOTONIC`.
struct Stopwatch {
  private var last = Deadline.now
  mutating func lap() -> Double {
    let now = Deadline.now
    defer { last = now }
    return Double(now.nanoseconds - last.nanoseconds) / 1_000_000
  }
}
