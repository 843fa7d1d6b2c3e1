import DistTestSupport
import Foundation
import Glibc
import Testing

/// `@host` entries end to end: our client logs in to a real sshd on loopback and runs `distccd --inetd`
/// there (ours and Debian's), in process through libssh2 and through `DISTCC_SSH` as 3.4 does.
@Suite(.serialized, .timeLimit(.minutes(2))) struct ClientSSHTests {
  enum Remote: String, CaseIterable, CustomStringConvertible {
    case ours, debian
    var command: String {
      self == .debian ? "/usr/bin/distccd" : Binaries.ours("distccd")
    }
    var description: String { rawValue }
  }

  enum Transport: String, CaseIterable, CustomStringConvertible {
    case libssh2, externalSSH
    var description: String { rawValue }
  }

  /// The test's sshd (host keys of `hostKeyTypes`), a `~/.ssh/config` naming it `farm` (HostName, Port, User,
  /// IdentityFile `~/.ssh/IDENTITY`) and a known_hosts file with its keys.
  static func farm(hostKeyTypes: [String] = ["ed25519"], identity: String = "id_ed25519") throws
    -> SSHServer
  {
    let server = try SSHServer(hostKeyTypes: hostKeyTypes)
    try server.writeKnownHosts()
    try server.write(
      """
      Host farm
        HostName 127.0.0.1
        Port \(server.port)
        User root
        IdentityFile \(server.home)/.ssh/\(identity)

      """, to: server.home + "/.ssh/config")
    return server
  }

  static func environment(_ world: ClientWorld, _ server: SSHServer, _ transport: Transport)
    -> [String: String]
  {
    var extra = ["HOME": server.home, "DISTCC_FALLBACK": "0", "DISTCC_SKIP_LOCAL_RETRY": "1"]
    if transport == .externalSSH {
      extra["DISTCC_SSH"] =
        "ssh -F \(server.home)/.ssh/config -o BatchMode=yes -o UserKnownHostsFile=\(server.knownHostsPath)"
    }
    return extra
  }

  @Test(.enabled(if: Binaries.hasDebianDistcc), arguments: Remote.allCases, Transport.allCases)
  func compilesOverSSHIdenticallyToALocalCompile(remote: Remote, transport: Transport) throws {
    let server = try Self.farm()
    let world = try ClientWorld(hosts: "@farm:\(remote.command)")
    defer { ClientSSHBrokerTests.stopBrokers(world) }
    let result = try world.distcc(
      ["gcc", "-O2", "-c", "hello.c", "-o", "hello.o"], Self.environment(world, server, transport))
    #expect(result.status == 0, "\(result.stderr)")
    try world.local(["gcc", "-O2", "-c", "hello.c", "-o", "local.o"])
    #expect(world.contents("hello.o") != nil)
    #expect(world.contents("hello.o") == world.contents("local.o"))
  }

  @Test func missingRemoteCommandFallsBackToALocalCompile() throws {
    let server = try Self.farm()
    let world = try ClientWorld(hosts: "@farm:/nonexistent/distccd")
    defer { ClientSSHBrokerTests.stopBrokers(world) }
    var environment = Self.environment(world, server, .libssh2)
    environment["DISTCC_FALLBACK"] = nil
    let result = try world.distcc(["gcc", "-c", "hello.c", "-o", "hello.o"], environment)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("farm"), "the failure names the host: \(result.stderr)")
    #expect(world.exists("hello.o"))
    #expect(world.exists("distcc-dir/lock/backoff_ssh_farm_0"))
  }
}
