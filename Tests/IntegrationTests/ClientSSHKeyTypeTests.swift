import DistTestSupport
import Foundation
import Glibc
import Testing

/// Every user key type OpenSSH 9.2's sshd accepts, each the only key there is, through the real `distcc`:
/// Ed25519 and ECDSA in process (libssh2, one connection through the broker), RSA through OpenSSH's `ssh`
/// (libssh2 1.10 signs RSA only with SHA-1, which OpenSSH 8.8 and later refuse) with one line saying why;
/// keys from files and from ssh-agent only; setups libssh2 cannot read (an RSA-only host, `Include`).
@Suite(.serialized, .timeLimit(.minutes(3))) struct ClientSSHKeyTypeTests {
  enum KeyType: String, CaseIterable, CustomStringConvertible {
    case ed25519, ecdsa, rsa
    var description: String { rawValue }
    /// How sshd's log names the key type (`Accepted publickey for root from … ssh2: ED25519 SHA256:…`).
    var logName: String { self == .ed25519 ? "ED25519" : rawValue.uppercased() }
  }

  /// A farm whose only user key is `id_TYPE` (authorized), the default Ed25519 key removed.
  static func farm(onlyKey type: KeyType) throws -> SSHServer {
    let server = try ClientSSHTests.farm(identity: "id_\(type)")
    let ssh = server.home + "/.ssh/"
    if type != .ed25519 {
      unlink(ssh + "id_ed25519")
      unlink(ssh + "id_ed25519.pub")
      try makeKey(type: type.rawValue, path: ssh + "id_\(type)")
    }
    try server.write(server.read(ssh + "id_\(type).pub"), to: server.authorizedKeys)
    return server
  }

  static func accepted(_ server: SSHServer) -> [String] {
    let log = (try? server.read(server.directory.appending("sshd.log"))) ?? ""
    return log.split(separator: "\n").filter { $0.contains("Accepted publickey") }.map(String.init)
  }

  static let openSSHLine = "using OpenSSH's ssh for this host"

  /// Compiles hello.c twice on the farm; both objects identical to a local compile. Returns both runs'
  /// stderr.
  static func compileTwice(_ world: ClientWorld, _ environment: [String: String]) throws -> [String]
  {
    try world.local(["gcc", "-c", "hello.c", "-o", "local.o"])
    var errors: [String] = []
    for name in ["one.o", "two.o"] {
      let result = try world.distcc(["gcc", "-c", "hello.c", "-o", name], environment)
      #expect(result.status == 0, "\(result.stderr)")
      #expect(world.contents(name) != nil)
      #expect(world.contents(name) == world.contents("local.o"), "\(name)")
      errors.append(result.stderr)
    }
    return errors
  }

  @Test(arguments: KeyType.allCases)
  func eachKeyTypeAloneCompiles(type: KeyType) throws {
    let server = try Self.farm(onlyKey: type)
    let world = try ClientWorld(hosts: "@farm:\(ClientSSHBrokerTests.remote)")
    defer { ClientSSHBrokerTests.stopBrokers(world) }
    let errors = try Self.compileTwice(world, ClientSSHBrokerTests.environment(server))
    let accepted = Self.accepted(server)
    #expect(accepted.count == 1, "one connection for both jobs: \(accepted)")
    #expect(accepted.allSatisfy { $0.contains("ssh2: \(type.logName) ") }, "\(accepted)")
    if type == .rsa {
      let lines = errors[0].split(separator: "\n")
      #expect(lines.count == 1, "one line saying why: \(errors[0])")
      #expect(
        lines.first?.contains("id_rsa is an RSA key, which libssh2 1.10") == true, "\(errors[0])")
      #expect(lines.first?.contains(Self.openSSHLine) == true)
      #expect(errors[1].isEmpty, "remembered: the second job goes to ssh at once: \(errors[1])")
      #expect(
        ClientSSHBrokerTests.openSSHMasterPids(world).count == 1, "OpenSSH shares the connection")
    } else {
      #expect(errors.allSatisfy { $0.isEmpty }, "\(errors)")
      #expect(ClientSSHBrokerTests.brokerPids(world).count == 1)
    }
  }

  @Test(arguments: [KeyType.ed25519, .rsa])
  func agentOnlyKeyCompiles(type: KeyType) throws {
    let server = try Self.farm(onlyKey: type)
    let key = server.home + "/.ssh/id_\(type)"
    let socket = server.directory.appending("agent.sock")
    let agent = try BackgroundProcess(
      ["/usr/bin/ssh-agent", "-D", "-a", socket], logPath: server.directory.appending("agent.log"))
    defer { agent.stop() }
    try waitForPath(socket)
    let added = try runProcess(
      ["/usr/bin/ssh-add", key], environment: ["SSH_AUTH_SOCK": socket], in: server.home)
    #expect(added.status == 0, "\(added.stderr)")
    unlink(key)  // only the agent has it now
    unlink(key + ".pub")

    let world = try ClientWorld(hosts: "@farm:\(ClientSSHBrokerTests.remote)")
    defer { ClientSSHBrokerTests.stopBrokers(world) }
    var environment = ClientSSHBrokerTests.environment(server)
    environment["SSH_AUTH_SOCK"] = socket
    let errors = try Self.compileTwice(world, environment)
    let accepted = Self.accepted(server)
    #expect(accepted.count == 1, "\(accepted)")
    #expect(accepted.allSatisfy { $0.contains("ssh2: \(type.logName) ") }, "\(accepted)")
    #expect(errors[0].contains(Self.openSSHLine) == (type == .rsa), "\(errors[0])")
  }

  @Test func rsaOnlyHostGoesThroughOpenSSH() throws {
    let server = try ClientSSHTests.farm(hostKeyTypes: ["rsa"])
    let world = try ClientWorld(hosts: "@farm:\(ClientSSHBrokerTests.remote)")
    defer { ClientSSHBrokerTests.stopBrokers(world) }
    let errors = try Self.compileTwice(world, ClientSSHBrokerTests.environment(server))
    #expect(errors[0].contains("no common key exchange or host key type"), "\(errors[0])")
    #expect(errors[0].contains(Self.openSSHLine), "\(errors[0])")
    #expect(errors[1].isEmpty, "\(errors[1])")
  }

  @Test func includeGoesThroughOpenSSH() throws {
    let server = try ClientSSHTests.farm()
    let included = server.home + "/.ssh/farm.conf"
    try server.write(server.read(server.home + "/.ssh/config"), to: included)
    try server.write("Include \(included)\n", to: server.home + "/.ssh/config")
    let world = try ClientWorld(hosts: "@farm:\(ClientSSHBrokerTests.remote)")
    defer { ClientSSHBrokerTests.stopBrokers(world) }
    let errors = try Self.compileTwice(world, ClientSSHBrokerTests.environment(server))
    #expect(
      errors[0].contains("config line 1: Include is not supported in process"), "\(errors[0])")
    #expect(errors[0].contains(Self.openSSHLine), "\(errors[0])")
  }
}
