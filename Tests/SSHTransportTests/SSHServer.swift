// A real OpenSSH server on a free loopback port, with its own host keys, authorized_keys and a client HOME.
import Glibc
import SSHTransport

final class SSHServer {
  /// Everything lives below this directory, removed on deinit.
  let directory: String
  /// The client's HOME; `home/.ssh/id_ed25519` is authorized.
  let home: String
  let port: UInt16
  let pid: pid_t
  /// Public host keys by type name (`ssh-ed25519`, `ecdsa-sha2-nistp256`): `TYPE BASE64`.
  let hostKeys: [String: String]
  let authorizedKeys: String
  let log: String

  /// Starts sshd with host keys of `hostKeyTypes` (ssh-keygen `-t` names).
  init(hostKeyTypes: [String] = ["ed25519"]) throws {
    directory = makeTemporaryDirectory()
    home = directory + "/home"
    mkdir(home, 0o755)
    mkdir(home + "/.ssh", 0o700)
    var keys: [String: String] = [:]
    var hostKeyLines: [String] = []
    for type in hostKeyTypes {
      let path = "\(directory)/ssh_host_\(type)_key"
      try makeKey(type: type, path: path)
      let line = try readText(path + ".pub").split(separator: " ").prefix(2).joined(separator: " ")
      keys[String(line.split(separator: " ")[0])] = line
      hostKeyLines.append("HostKey \(path)")
    }
    hostKeys = keys
    try makeKey(type: "ed25519", path: home + "/.ssh/id_ed25519")
    authorizedKeys = directory + "/authorized_keys"
    try writeText(try readText(home + "/.ssh/id_ed25519.pub"), to: authorizedKeys)
    log = directory + "/sshd.log"

    mkdir("/run/sshd", 0o755)  // sshd's privilege-separation directory, normally made by its init script
    port = try freeLoopbackPort()
    let config = directory + "/sshd_config"
    try writeText(
      """
      ListenAddress 127.0.0.1:\(port)
      \(hostKeyLines.joined(separator: "\n"))
      AuthorizedKeysFile \(authorizedKeys)
      PidFile \(directory)/sshd.pid
      StrictModes no
      UsePAM no
      PasswordAuthentication no
      KbdInteractiveAuthentication no
      PermitRootLogin prohibit-password
      PrintMotd no
      LogLevel VERBOSE

      """, to: config)
    pid = try TestProcess.spawn(["/usr/sbin/sshd", "-D", "-e", "-f", config], log: log)
    try waitUntilListening()
  }

  deinit {
    TestProcess.stop(pid)
    removeTree(directory)
  }

  /// Writes `home/.ssh/known_hosts` listing this server's keys of `types` under `[127.0.0.1]:PORT`.
  func writeKnownHosts(types: [String]? = nil, extraLines: [String] = []) throws {
    let lines = hostKeys.filter { types?.contains($0.key) ?? true }.map { "[127.0.0.1]:\(port) \($0.value)" }
    try writeText((lines + extraLines).map { $0 + "\n" }.joined(), to: knownHostsPath)
  }

  var knownHostsPath: String { home + "/.ssh/known_hosts" }

  /// Options for the test HOME: no global known-hosts file, no agent unless given.
  func options(environment: [String: String] = [:]) -> SSHOptions {
    var options = SSHOptions(home: home, environment: environment, localUser: "root")
    options.globalKnownHostsFiles = []
    return options
  }

  func destination(command: String = "/usr/bin/distccd", user: String? = "root") -> SSHDestination {
    SSHDestination(host: "127.0.0.1", user: user, port: port, command: command)
  }

  private func waitUntilListening() throws {
    let deadline = Deadline.after(milliseconds: 10_000)
    while !deadline.hasPassed {
      var status: Int32 = 0
      if waitpid(pid, &status, WNOHANG) == pid {
        throw TestProcess.Failure(description: "sshd exited: \((try? readText(log)) ?? "")")
      }
      if (try? readText(log))?.contains("Server listening") == true { return }
      usleep(5000)  // polling a readiness signal, not a fixed sleep
    }
    throw TestProcess.Failure(description: "sshd did not start: \((try? readText(log)) ?? "")")
  }
}

/// Makes an unencrypted key pair at `path` and `path.pub`.
func makeKey(type: String, path: String) throws {
  var arguments = ["ssh-keygen", "-q", "-t", type, "-N", "", "-C", "test-\(type)", "-f", path]
  if type == "rsa" { arguments += ["-b", "2048"] }
  try TestProcess.run(arguments)
}

/// A loopback port that was free a moment ago.
func freeLoopbackPort() throws -> UInt16 {
  let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
  defer { close(fd) }
  var address = sockaddr_in()
  address.sin_family = sa_family_t(AF_INET)
  address.sin_addr.s_addr = inet_addr("127.0.0.1")
  address.sin_port = 0
  var length = socklen_t(MemoryLayout<sockaddr_in>.size)
  let bound = withUnsafeMutablePointer(to: &address) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
      bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
    }
  }
  guard bound else { throw TestProcess.Failure(description: "no free port") }
  return UInt16(bigEndian: address.sin_port)
}
