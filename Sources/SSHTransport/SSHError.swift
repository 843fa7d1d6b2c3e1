/// Why an SSH channel could not be opened or used. Every case names the host (as `user@host[:port]`) and, through
/// ``stage``, the step that failed, so a compile's fallback message says which host broke and where.
public enum SSHError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The step of an SSH job that failed.
  public enum Stage: String, Sendable, Equatable, CustomStringConvertible {
    case config, resolve, connect, handshake
    case hostKey = "host key"
    case authentication, channel, exec, io
    case spawn
    case library
    public var description: String { rawValue }
  }

  /// `~/.ssh/config` could not be read or has a line we cannot use.
  case config(file: String, line: Int, reason: String)
  /// The host name did not resolve.
  case resolve(host: String, reason: String)
  /// No address of the host accepted a TCP connection.
  case connect(host: String, reason: String)
  /// The SSH handshake (key exchange) failed.
  case handshake(host: String, reason: String)
  /// The host offered a key that no known-hosts file lists for `lookupName` (`host` or `[host]:port`).
  case unknownHostKey(
    host: String, lookupName: String, keyType: String, fingerprint: String, knownHostsFile: String,
    keyscan: String)
  /// A known-hosts file lists a different key of the same type for `lookupName` (on `knownHostsLine`).
  case changedHostKey(
    host: String, lookupName: String, keyType: String, fingerprint: String, knownHostsFile: String,
    knownHostsLine: Int?, keyscan: String)
  /// The host's key is marked `@revoked` in a known-hosts file.
  case revokedHostKey(host: String, keyType: String, fingerprint: String, knownHostsFile: String)
  /// The server accepted none of the identities tried (each listed as `agent: COMMENT` or a key file path).
  case authentication(host: String, user: String, tried: [String], reason: String)
  /// The server refused a session channel.
  case channel(host: String, reason: String)
  /// The server refused to run the remote command.
  case exec(host: String, command: String, reason: String)
  /// The remote command ended without sending a byte: missing, not executable, or refused to serve.
  case remoteCommandFailed(host: String, command: String, exitStatus: Int32?, stderr: String)
  /// Sending or receiving job bytes failed.
  case io(host: String, reason: String)
  /// A stage did not finish before its deadline.
  case timedOut(host: String, stage: Stage)
  /// The external `DISTCC_SSH` program could not be started.
  case spawn(program: String, reason: String)
  /// libssh2 (`name`, loaded on the first SSH job) is missing or lacks a function we call.
  case library(name: String, reason: String)
  /// The connection broker (``SSHBroker``) could not serve the job; `reason` is its one-line message, usually
  /// the text of the ``SSHError`` it met itself.
  case broker(host: String, reason: String)
  /// The host or the user's setup needs what only OpenSSH's own client does here (`reason`: an RSA key against
  /// an sshd that refuses SHA-1 signatures, `ProxyJump`, `Include`, …); the client then runs `ssh` instead.
  case needsOpenSSH(host: String, reason: String)

  /// The step that failed.
  public var stage: Stage {
    switch self {
    case .config: .config
    case .resolve: .resolve
    case .connect: .connect
    case .handshake: .handshake
    case .unknownHostKey, .changedHostKey, .revokedHostKey: .hostKey
    case .authentication: .authentication
    case .channel: .channel
    case .exec, .remoteCommandFailed: .exec
    case .io: .io
    case .timedOut(_, let stage): stage
    case .spawn: .spawn
    case .library: .library
    case .broker: .connect
    case .needsOpenSSH: .config
    }
  }

  public var description: String {
    switch self {
    case .config(let file, let line, let reason):
      return "ssh config \(file) line \(line): \(reason)"
    case .resolve(let host, let reason), .connect(let host, let reason),
      .handshake(let host, let reason),
      .channel(let host, let reason), .io(let host, let reason):
      return "ssh \(host): \(stage) failed: \(reason)"
    case .unknownHostKey(let host, let name, let type, let fingerprint, let file, let keyscan):
      return
        "ssh \(host): host key refused: \(name) is not in \(file) (it offers \(type) \(fingerprint));"
        + " check the fingerprint, then add it with: \(keyscan) >> \(file)"
    case .changedHostKey(
      let host, let name, let type, let fingerprint, let file, let line, let keyscan):
      let place = line.map { "\(file):\($0)" } ?? file
      return
        "ssh \(host): host key refused: the \(type) key of \(name) (\(fingerprint)) is not the one"
        + " recorded in \(place): the host was reinstalled or someone is intercepting; if the change is"
        + " expected, run: ssh-keygen -R '\(name)' -f \(file) && \(keyscan) >> \(file)"
    case .revokedHostKey(let host, let type, let fingerprint, let file):
      return
        "ssh \(host): host key refused: its \(type) key \(fingerprint) is marked @revoked in \(file)"
    case .authentication(let host, let user, let tried, let reason):
      let list =
        tried.isEmpty
        ? "no identities (start ssh-agent or create ~/.ssh/id_ed25519)"
        : tried.joined(separator: ", ")
      return "ssh \(host): authentication as \(user) failed: \(reason); tried \(list)"
    case .exec(let host, let command, let reason):
      return "ssh \(host): exec of '\(command)' failed: \(reason)"
    case .remoteCommandFailed(let host, let command, let status, let stderr):
      let statusText = status.map { "exit status \($0)" } ?? "no exit status"
      let detail = stderr.isEmpty ? "" : ": \(stderr)"
      return "ssh \(host): remote command '\(command)' sent no reply (\(statusText))\(detail)"
    case .timedOut(let host, let stage):
      return "ssh \(host): \(stage) timed out"
    case .spawn(let program, let reason):
      return "ssh tunnel \(program): \(reason)"
    case .needsOpenSSH(let host, let reason):
      return "ssh \(host): \(reason); using OpenSSH's ssh for this host"
    case .broker(let host, let reason):
      return reason.hasPrefix("ssh ") ? reason : "ssh \(host): connection broker: \(reason)"
    case .library(let name, let reason):
      return
        "ssh: cannot load \(name): \(reason); install libssh2 (Debian: libssh2-1) or set DISTCC_SSH=ssh"
    }
  }
}
