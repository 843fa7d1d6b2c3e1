/// How to open SSH channels: where the user's `~/.ssh` is, the environment to take `SSH_AUTH_SOCK` from, and
/// how long each stage may take.
///
/// The library never reads the process environment; the executable passes it in.
public struct SSHOptions: Sendable {
  /// The user's home directory (`HOME`); `~/.ssh/config`, `known_hosts` and the default keys live below it.
  public var home: String
  /// The environment; only `SSH_AUTH_SOCK` is used.
  public var environment: [String: String]
  /// The local user name, used for `User` when neither the destination nor `~/.ssh/config` names one, and for
  /// `%u` in `~/.ssh/config`.
  public var localUser: String
  /// Time allowed for the TCP connection (3.4's TCP connect timeout is 4 s).
  public var connectTimeout: Duration
  /// Time allowed for the SSH handshake, host key check, authentication and starting the remote command,
  /// together, after the TCP connection is up.
  public var setupTimeout: Duration
  /// The user's OpenSSH client configuration; `nil` for none. Defaults to `HOME/.ssh/config`.
  public var configFile: String?
  /// Files that list host keys the global way (checked after the user's `UserKnownHostsFile` list).
  public var globalKnownHostsFiles: [String]
  /// The handshake's algorithm preferences (tests and measurements vary them).
  var algorithms = AlgorithmPreferences.standard

  /// Options for a user whose home is `home`.
  /// - Parameters:
  ///   - home: the home directory, usually `environment["HOME"]`.
  ///   - environment: the process environment (for `SSH_AUTH_SOCK`).
  ///   - localUser: the local login name; defaults to the effective user's name from the password database.
  public init(
    home: String, environment: [String: String] = [:], localUser: String? = nil,
    connectTimeout: Duration = .seconds(4), setupTimeout: Duration = .seconds(20)
  ) {
    self.home = home
    self.environment = environment
    self.localUser = localUser ?? LocalUser.name() ?? "root"
    self.connectTimeout = connectTimeout
    self.setupTimeout = setupTimeout
    self.configFile = home + "/.ssh/config"
    self.globalKnownHostsFiles = ["/etc/ssh/ssh_known_hosts"]
  }

  /// The ssh-agent socket, if `SSH_AUTH_SOCK` is set and not empty.
  var agentSocket: String? {
    guard let path = environment["SSH_AUTH_SOCK"], !path.isEmpty else { return nil }
    return path
  }
}

extension Duration {
  var milliseconds: Int64 {
    let (seconds, attoseconds) = components
    return seconds * 1000 + attoseconds / 1_000_000_000_000_000
  }
}
