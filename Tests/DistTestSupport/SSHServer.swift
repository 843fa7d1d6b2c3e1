// A real OpenSSH server on a free loopback port, with its own host keys, authorized_keys and a client HOME.
import DistPosix
import Glibc

/// Started by the SSH transport tests and the client's SSH integration tests alike.
public final class SSHServer {
  /// Everything lives below this directory, removed with it.
  public let directory: TestDirectory
  /// The client's HOME; `home/.ssh/id_ed25519` is authorized.
  public let home: String
  public let port: UInt16
  /// Public host keys by type name (`ssh-ed25519`, `ecdsa-sha2-nistp256`): `TYPE BASE64`.
  public let hostKeys: [String: String]
  public let authorizedKeys: String
  private let process: BackgroundProcess

  /// Starts `sshd -D -e` with host keys of `hostKeyTypes` (ssh-keygen `-t` names) and `extraConfig` (more
  /// `sshd_config` lines, such as `MaxSessions 3`).
  public init(hostKeyTypes: [String] = ["ed25519"], extraConfig: [String] = []) throws {
    directory = try TestDirectory(prefix: "ssh-transport-")
    home = directory.appending("home")
    try directory.makeDirectories(home + "/.ssh")
    var keys: [String: String] = [:]
    var hostKeyLines: [String] = []
    for type in hostKeyTypes {
      let path = directory.appending("ssh_host_\(type)_key")
      try makeKey(type: type, path: path)
      let line = try publicKey(path + ".pub")
      keys[String(line.prefix { $0 != " " })] = line
      hostKeyLines.append("HostKey \(path)")
    }
    hostKeys = keys
    try makeKey(type: "ed25519", path: home + "/.ssh/id_ed25519")
    authorizedKeys = try directory.write(
      "authorized_keys", bytes: FileContents.read(home + "/.ssh/id_ed25519.pub"))

    mkdir("/run/sshd", 0o755)  // sshd's privilege-separation directory, normally made by its init script
    port = try FreePort.pick()
    let config = try directory.write(
      "sshd_config",
      """
      ListenAddress 127.0.0.1:\(port)
      \(hostKeyLines.joined(separator: "\n"))
      AuthorizedKeysFile \(authorizedKeys)
      PidFile \(directory.appending("sshd.pid"))
      StrictModes no
      UsePAM no
      PasswordAuthentication no
      KbdInteractiveAuthentication no
      PermitRootLogin prohibit-password
      PrintMotd no
      \(extraConfig.joined(separator: "\n"))

      """)
    process = try BackgroundProcess(
      ["/usr/sbin/sshd", "-D", "-e", "-f", config], logPath: directory.appending("sshd.log"))
    // sshd -e logs this line once it listens; cheaper than scanning /proc/net/tcp on a busy machine.
    try process.waitForLog("Server listening on 127.0.0.1 port \(port).")
  }

  deinit { process.stop() }

  public var knownHostsPath: String { home + "/.ssh/known_hosts" }

  /// Writes the known-hosts file listing this server's keys of `types` under `[127.0.0.1]:PORT`.
  public func writeKnownHosts(types: [String]? = nil, extraLines: [String] = []) throws {
    let lines = hostKeys.filter { types?.contains($0.key) ?? true }.map {
      "[127.0.0.1]:\(port) \($0.value)"
    }
    try write((lines + extraLines).map { $0 + "\n" }.joined(), to: knownHostsPath)
  }

  /// Replaces the file at `path`.
  public func write(_ text: String, to path: String) throws {
    try FileContents.writeAtomically(Array(text.utf8), to: path, mode: 0o600)
  }

  public func read(_ path: String) throws -> String {
    String(decoding: try FileContents.read(path), as: UTF8.self)
  }
}
