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
  static func farm(
    hostKeyTypes: [String] = ["ed25519"], identity: String = "id_ed25519",
    extraConfig: [String] = []
  ) throws -> SSHServer {
    let server = try SSHServer(hostKeyTypes: hostKeyTypes, extraConfig: extraConfig)
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

  /// A remote command that does not exist, through the connection broker and with one connection per job
  /// (`DISTCC_SSH_PERSIST=0`): the job compiles locally after one line naming the host and the command with
  /// the remote shell's own words, not a lost connection and a retry.
  @Test(arguments: ["60", "0"])
  func missingRemoteCommandIsOneLineNamingHostAndCommand(persist: String) throws {
    let server = try Self.farm()
    let world = try ClientWorld(hosts: "@farm:/nonexistent/distccd")
    defer { ClientSSHBrokerTests.stopBrokers(world) }
    var environment = Self.environment(world, server, .libssh2)
    environment["DISTCC_FALLBACK"] = nil
    environment["DISTCC_SSH_PERSIST"] = persist
    for round in 1...2 {  // the second job meets a broker that has seen the command fail
      let result = try world.distcc(["gcc", "-c", "hello.c", "-o", "hello.o"], environment)
      #expect(result.status == 0, "\(result.stderr)")
      #expect(world.exists("hello.o"))
      let reasons = result.stderr.split(separator: "\n").filter { $0.contains("remote command") }
      #expect(reasons.count == 1, "round \(round): \(result.stderr)")
      let line = String(reasons.first ?? "")
      #expect(
        line.contains(
          "ERROR: connection to farm lost: ssh root@farm:\(server.port): remote command "
            + "'/nonexistent/distccd --inetd --enable-tcp-insecure' sent no reply (exit status 127): "
        ),
        "\(line)")
      #expect(line.contains("No such file or directory"), "\(line)")
      #expect(!result.stderr.contains("retrying"), "\(result.stderr)")
      #expect(world.exists("distcc-dir/lock/backoff_ssh_farm_0"))
      try FileManager.default.removeItem(atPath: world.distccDir + "/lock/backoff_ssh_farm_0")
      try FileManager.default.removeItem(atPath: world.path + "/hello.o")
    }
  }
}
