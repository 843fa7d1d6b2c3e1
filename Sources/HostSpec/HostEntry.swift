/// One host of a `DISTCC_HOSTS` list, as distcc 3.4 parses it (`hosts.md` §3-4).
public struct HostEntry: Sendable, Hashable {
  /// How jobs reach the host.
  public enum Kind: Sendable, Hashable {
    /// `localhost[/N]`: run the compiler directly on this machine, no daemon.
    case localhost
    /// `HOST[:PORT]`: a `distccd` over TCP. `port` is the number as 3.4 parses it (`strtol`, not range-checked:
    /// `red:` is 0, `red:99999` is 99999); it names the lock files. Connect to ``HostEntry/connectPort``.
    case tcp(host: String, port: Int)
    /// `[USER]@HOST[:COMMAND]`: `ssh [-l USER] HOST COMMAND --inetd --enable-tcp-insecure`.
    /// `user` is nil for `@HOST`; `command` is nil when not given (3.4 then runs `distccd`).
    case ssh(user: String?, host: String, command: String?)
  }

  /// The `,OPTION`s after the host (ignored on `localhost/N`).
  public struct Options: Sendable, Hashable {
    /// `,lzo`: LZO-compressed bodies (protocol 2, or 3 with ``cpp``).
    public var lzo = false
    /// `,cpp`: pump mode, the server preprocesses (protocol 3; needs ``lzo``).
    public var cpp = false
    /// `,down`: never selected.
    public var down = false
    /// `,auth`: GSS-API mutual authentication before the request.
    public var authenticate = false
    /// `,auth=NAME`: the service host name for GSS-API instead of the peer's canonical name.
    public var authName: String? = nil
    /// `,zstd` (beyond 3.4): zstd-compressed bodies when the host turns out to be our daemon (the extension
    /// negotiation); with a 3.4 daemon the entry compiles as it would without `,zstd` (LZO with `,lzo`, else
    /// plain). It does not change the protocol version, the lock names or `--show-hosts`.
    public var zstd = false

    /// Options as given; all off by default.
    public init(
      lzo: Bool = false, cpp: Bool = false, down: Bool = false, authenticate: Bool = false,
      authName: String? = nil, zstd: Bool = false
    ) {
      self.zstd = zstd
      self.lzo = lzo
      self.cpp = cpp
      self.down = down
      self.authenticate = authenticate
      self.authName = authName
    }
  }

  /// The default `distccd` TCP port.
  public static let defaultPort = 3632
  /// The default limit of a TCP or SSH host.
  public static let defaultLimit = 4
  /// The default limit of `localhost`.
  public static let defaultLocalhostLimit = 2
  /// The remote command run over SSH when the entry names none.
  public static let defaultSSHCommand = "distccd"

  /// How jobs reach the host, with its address.
  public var kind: Kind
  /// How many jobs may run on the host at once (`/N`). May be zero or negative (`red/-2`): then never used.
  public var limit: Int
  /// The `,OPTION`s given.
  public var options: Options
  /// The entry exactly as written, e.g. `127.0.0.1:4000/8,lzo`: what `distcc --show-hosts` prints and what 3.4
  /// names the host by in its messages (`failed to distribute x.c to 127.0.0.1:4000/8,lzo`).
  public var displayName: String

  /// A host as the parser makes it; `displayName` should be the entry text it came from.
  public init(kind: Kind, limit: Int, options: Options = Options(), displayName: String) {
    self.kind = kind
    self.limit = limit
    self.options = options
    self.displayName = displayName
  }

  /// The protocol version spoken with the host: 1, 2 with `,lzo`, 3 with `,cpp,lzo`.
  public var protocolVersion: Int {
    options.lzo ? (options.cpp ? 3 : 2) : 1
  }

  /// The TCP port to connect to, or nil for a port outside 1...65535 (3.4 would connect to it modulo 65536)
  /// and for non-TCP hosts.
  public var connectPort: UInt16? {
    guard case .tcp(_, let port) = kind, (1...65535).contains(port) else { return nil }
    return UInt16(port)
  }

  /// The file name (in `$DISTCC_DIR/lock`) of this host's slot lock, exactly as 3.4 forms it:
  /// `cpu_localhost_N`, `cpu_tcp_HOST_PORT_N` or `cpu_ssh_HOST_N` (`client.md` §6.1).
  public func lockName(slot: Int) -> String {
    "cpu_\(nameStem)_\(slot)"
  }

  /// The file name (in `$DISTCC_DIR/lock`) marking this host as backed off: `backoff_tcp_HOST_PORT_0` or
  /// `backoff_ssh_HOST_0` (`client.md` §7). 3.4 never backs `localhost` off; its name would be
  /// `backoff_localhost_0`.
  public var backoffName: String {
    "backoff_\(nameStem)_0"
  }

  /// The file name (in `$DISTCC_DIR/caps`, ours alone) where the client remembers which extensions beyond
  /// 3.4 this host announced: `xcap_tcp_HOST_PORT` or `xcap_ssh_HOST`.
  public var extensionsFileName: String {
    "xcap_\(nameStem)"
  }

  /// The host part of this host's state-file names: `localhost`, `tcp_HOST_PORT` or `ssh_HOST`.
  public var fileNameStem: String { nameStem }

  /// The slot lock name shared by `localhost` entries and the local-only and local-preprocessing pools.
  public static func localLockName(slot: Int) -> String {
    "cpu_localhost_\(slot)"
  }

  private var nameStem: String {
    switch kind {
    case .localhost: "localhost"
    case .tcp(let host, let port): "tcp_\(host)_\(port)"
    case .ssh(_, let host, _): "ssh_\(host)"
    }
  }
}
