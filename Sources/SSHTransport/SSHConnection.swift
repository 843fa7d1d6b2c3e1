internal import CLibSSH2
public import DistPosix

/// An authenticated SSH connection to one host, on which channels run jobs one after another.
///
/// `distcc` runs one job per process and uses ``SSHChannel/open(_:options:)``. A build tool that embeds the client
/// and sends many jobs to one host can keep a connection and pay the handshake and authentication once (about
/// 40% of an SSH job's set-up, Docs/ssh.md); OpenSSH's sshd allows 10 channels at a time per connection
/// (`MaxSessions`). If the host dropped the connection, ``openChannel(deadline:)`` fails at the `channel` stage:
/// open a new connection. Not thread-safe: use a connection and its channels from one thread at a time.
public final class SSHConnection {
  /// The destination as given to ``open(_:options:)``.
  public let destination: SSHDestination
  /// The negotiated key exchange, host key, cipher and MAC, e.g. `curve25519-sha256 ssh-ed25519 aes128-ctr ...`.
  public let negotiatedAlgorithms: String

  let session: LibSSH2Session
  /// The set-up stages not yet reported by a channel (the first channel reports them).
  private var pendingTimings: SSHChannel.SetupTimings?
  /// libssh2's default receive window (`LIBSSH2_CHANNEL_WINDOW_DEFAULT`, a macro Swift cannot import).
  static let channelWindow: UInt32 = 2 << 20

  private init(
    destination: SSHDestination, session: LibSSH2Session, timings: SSHChannel.SetupTimings
  ) {
    self.destination = destination
    self.session = session
    self.pendingTimings = timings
    self.negotiatedAlgorithms = [
      LIBSSH2_METHOD_KEX, LIBSSH2_METHOD_HOSTKEY, LIBSSH2_METHOD_CRYPT_CS, LIBSSH2_METHOD_MAC_CS,
    ].compactMap { session.negotiated($0) }.joined(separator: " ")
  }

  /// Connects, verifies the host key and authenticates.
  ///
  /// Reads `~/.ssh/config` for `HostName`, `User`, `Port`, `IdentityFile`; verifies the host key against the
  /// known-hosts files; authenticates with ssh-agent (`SSH_AUTH_SOCK` in `options.environment`), then the key
  /// files. The TCP connection gets `options.connectTimeout`, the rest `options.setupTimeout`.
  /// - Throws: ``SSHError`` naming the host and the stage that failed.
  public static func open(_ destination: SSHDestination, options: SSHOptions) throws(SSHError)
    -> SSHConnection
  {
    let config = try SSHConfig.load(options.configFile)
    let settings = try SSHHostSettings(destination: destination, options: options, config: config)
    let display = settings.displayName
    var clock = Stopwatch()

    let socket = try TCPConnection.open(
      host: settings.hostName, port: settings.port, display: display,
      deadline: .after(milliseconds: options.connectTimeout.milliseconds))
    let connect = clock.lap()

    let deadline = Deadline.after(milliseconds: options.setupTimeout.milliseconds)
    let session = try LibSSH2Session(socket: socket, display: display)
    let knownHosts = KnownHosts(
      session: session, paths: settings.userKnownHostsFiles + settings.globalKnownHostsFiles)
    let recorded = knownHosts.recordedTypes(for: settings.knownHostsName)
    let preferences = options.algorithms
    let order =
      recorded.filter(preferences.hostKeys.contains)
      + preferences.hostKeys.filter { !recorded.contains($0) }
    try session.handshake(preferences: preferences, hostKeyOrder: order, deadline: deadline)
    try session.verifyHostKey(settings: settings, knownHosts: knownHosts)
    _ = consume knownHosts  // freed now, before the session (it holds the session)
    let handshake = clock.lap()

    try session.authenticate(
      settings: settings, agentSocket: options.agentSocket, deadline: deadline)
    let authentication = clock.lap()
    return SSHConnection(
      destination: destination, session: session,
      timings: SSHChannel.SetupTimings(
        connect: connect, handshake: handshake, authentication: authentication, exec: 0))
  }

  /// Opens a channel running `destination.remoteCommandLine`, for one job.
  /// - Throws: ``SSHError`` at the `channel` or `exec` stage.
  public func openChannel(deadline: Deadline) throws(SSHError) -> SSHChannel {
    var clock = Stopwatch()
    let display = session.display
    let channel = try session.retry(.channel, deadline: deadline) {
      session.api.channelOpenEx(
        session.raw, "session", 7, Self.channelWindow, UInt32(LIBSSH2_CHANNEL_PACKET_DEFAULT), nil,
        0)
    }
    guard let channel else { throw .channel(host: display, reason: session.lastError) }
    let command = destination.remoteCommandLine
    let started = try session.retry(.exec, deadline: deadline) {
      session.api.channelProcessStartup(channel, "exec", 4, command, UInt32(command.utf8.count))
    }
    if started != 0 {
      let reason = session.lastError
      _ = session.api.channelFree(channel)
      throw .exec(host: display, command: command, reason: reason)
    }
    var timings =
      pendingTimings
      ?? SSHChannel.SetupTimings(connect: 0, handshake: 0, authentication: 0, exec: 0)
    pendingTimings = nil
    timings.exec = clock.lap()
    return SSHChannel(connection: self, channel: channel, timings: timings)
  }
}
