import DistTestSupport
import Foundation
import Glibc
import Testing

/// Every way a real sshd on loopback refuses our client's in-process (libssh2) connection, through the real
/// `distcc`: the client exits normally, prints one line naming the host and the reason, backs the host off
/// (`backoff_ssh_farm_0`) and compiles locally, or with `DISTCC_FALLBACK=0` fails with that line and 3.4's 116.
///
/// Optimised builds of the client before the ownership fix died of SIGSEGV on every one of these
/// (`libssh2_knownhost_free` after `libssh2_session_free`); the debug build freed in the safe order by chance.
/// `SWIFT_DISTCC_BIN_DIR=$(Scripts/build-release.sh --show-bin-path)` runs these against a release build.
@Suite(.serialized, .timeLimit(.minutes(3))) struct ClientSSHRefusalTests {
  enum Refusal: String, CaseIterable, CustomStringConvertible {
    /// known_hosts records another key for the host.
    case changedHostKey
    /// known_hosts does not list the host.
    case unknownHost
    /// The user's key is not in authorized_keys.
    case unauthorizedKey
    var description: String { rawValue }
  }

  /// A farm that refuses as `refusal` says, and the text the one reason line must contain.
  static func arrange(_ refusal: Refusal) throws -> (server: SSHServer, reason: String) {
    switch refusal {
    case .changedHostKey:
      let server = try ClientSSHTests.farm()
      let impostor = server.directory.appending("impostor")
      try makeKey(type: "ed25519", path: impostor)
      let line = "[127.0.0.1]:\(server.port) \(try publicKey(impostor + ".pub"))"
      try server.write("# farm\n\(line)\n", to: server.knownHostsPath)
      return (server, "is not the one recorded in \(server.knownHostsPath):2:")
    case .unknownHost:
      let server = try ClientSSHTests.farm()
      try server.write("# nothing yet\n", to: server.knownHostsPath)
      return (
        server, "host key refused: [127.0.0.1]:\(server.port) is not in \(server.knownHostsPath)"
      )
    case .unauthorizedKey:
      let server = try ClientSSHTests.farm()
      try server.write("", to: server.authorizedKeys)
      return (
        server,
        "authentication as root failed: no key was accepted; tried \(server.home)/.ssh/id_ed25519 (refused)"
      )
    }
  }

  @Test(arguments: Refusal.allCases, [true, false])
  func refusedHostIsBackedOffWithOneLine(refusal: Refusal, fallback: Bool) throws {
    let (server, reason) = try Self.arrange(refusal)
    let host = "@farm:\(Binaries.ours("distccd"))"
    let world = try ClientWorld(hosts: host)
    defer { ClientSSHBrokerTests.stopBrokers(world) }
    var environment = ClientSSHTests.environment(world, server, .libssh2)
    environment["DISTCC_FALLBACK"] = fallback ? nil : "0"
    let result = try world.distcc(["gcc", "-c", "hello.c", "-o", "hello.o"], environment)

    #expect(result.status < 128, "killed by signal \(result.status - 128): \(result.stderr)")
    let lines = result.stderr.split(separator: "\n")
    let reasonLines = lines.filter { $0.contains(reason) }
    #expect(reasonLines.count == 1, "one line with \"\(reason)\": \(result.stderr)")
    #expect(
      reasonLines.first?.contains("failed to connect to farm: ssh root@farm:\(server.port): ")
        == true)
    #expect(world.exists("distcc-dir/lock/backoff_ssh_farm_0"), "the host is backed off")
    // The reason line, then 3.4's line for what happens next.
    #expect(lines.count == 2, "\(result.stderr)")
    if fallback {
      #expect(result.status == 0, "\(result.stderr)")
      #expect(
        lines.last?.hasSuffix(
          "Warning: failed to distribute hello.c to \(host), running locally instead") == true)
      try world.local(["gcc", "-c", "hello.c", "-o", "local.o"])
      #expect(world.contents("hello.o") != nil)
      #expect(world.contents("hello.o") == world.contents("local.o"))
    } else {
      #expect(result.status == 116, "3.4's EXIT_NO_HOSTS: \(result.stderr)")
      #expect(
        lines.last?.hasSuffix("ERROR: failed to distribute and fallbacks are disabled") == true)
      #expect(!world.exists("hello.o"))
    }
  }
}
