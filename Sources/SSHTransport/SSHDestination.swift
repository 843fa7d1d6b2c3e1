/// Where an SSH job goes: the `[USER]@HOST[:COMMAND]` part of a 3.4 host spec.
///
/// The remote side runs `COMMAND --inetd --enable-tcp-insecure`, as 3.4 does (`protocol.md` §10).
public struct SSHDestination: Sendable, Hashable, CustomStringConvertible {
  /// The host as written in the host spec; `~/.ssh/config` may map it to another `HostName`.
  public var host: String
  /// The login name (`USER@`), or `nil` for `~/.ssh/config`'s `User` or the local user name.
  public var user: String?
  /// The TCP port, or `nil` for `~/.ssh/config`'s `Port` or 22. 3.4's host specs cannot name one.
  public var port: UInt16?
  /// The remote program; 3.4's default is `distccd`.
  public var command: String

  /// The default remote program, `distccd`.
  public static let defaultCommand = "distccd"

  public init(
    host: String, user: String? = nil, port: UInt16? = nil, command: String = defaultCommand
  ) {
    self.host = host
    self.user = user
    self.port = port
    self.command = command
  }

  /// The command line the remote shell runs: `COMMAND --inetd --enable-tcp-insecure`.
  public var remoteCommandLine: String { "\(command) --inetd --enable-tcp-insecure" }

  /// `user@host` or `host`, for messages.
  public var description: String {
    let name = user.map { "\($0)@\(host)" } ?? host
    return port.map { "\(name):\($0)" } ?? name
  }
}
