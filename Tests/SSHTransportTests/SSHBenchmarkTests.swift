import DistPosix
import DistTestSupport
import Glibc
import Testing

@testable import SSHTransport

/// Per-job cost of SSH transports on one loopback sshd, printed as a table for Docs/ssh.md.
/// Run with `SSH_BENCHMARK=1 swift test --skip-build --filter SSHBenchmarkTests`.
@Suite(.serialized, .enabled(if: getenv("SSH_BENCHMARK") != nil))
struct SSHBenchmarkTests {
  static let runs = 25

  /// Runs each case once per round, `runs` rounds (interleaved, so that load from other processes falls on all
  /// cases alike), after one warm-up round; prints a table row per case with median and mean milliseconds.
  func compare(_ title: String, runs: Int = runs, _ cases: [(String, () throws -> Void)]) throws {
    print("\n| \(title) | median ms | mean ms |")
    print("|---|---|---|")
    var samples = [[Double]](repeating: [], count: cases.count)
    for round in 0...runs {
      for (index, entry) in cases.enumerated() {
        let start = ContinuousClock.now
        do {
          try entry.1()
        } catch {
          print("| \(entry.0) | failed: \(error) | |")
          throw error
        }
        let elapsed = ContinuousClock.now - start
        if round > 0 {
          samples[index].append(
            Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds)
              * 1000)
        }
      }
    }
    for (index, entry) in cases.enumerated() {
      let sorted = samples[index].sorted()
      let mean = sorted.reduce(0, +) / Double(sorted.count)
      print("| \(entry.0) | \(format(sorted[sorted.count / 2])) | \(format(mean)) |")
    }
  }

  func format(_ value: Double) -> String {
    String(Int((value * 10).rounded())).inserting(".", fromEnd: 1)
  }

  @Test func perJobCost() throws {
    let server = try SSHServer(hostKeyTypes: ["ed25519", "ecdsa"])
    try server.writeKnownHosts()
    try makeKey(type: "ecdsa", path: server.home + "/.ssh/id_ecdsa")
    try makeKey(type: "rsa", path: server.home + "/.ssh/id_rsa")
    var authorized = ""
    for name in ["id_ed25519", "id_ecdsa", "id_rsa"] {
      authorized += try server.read(server.home + "/.ssh/\(name).pub")
    }
    try server.write(authorized, to: server.authorizedKeys)
    let sshConfig = try server.directory.write(
      "ssh_config",
      "Host *\n  Port \(server.port)\n  IdentityFile \(server.home)/.ssh/id_ed25519\n"
        + "  UserKnownHostsFile \(server.knownHostsPath)\n  BatchMode yes\n")
    let echo = server.destination(command: "echo")
    let distccd = server.destination()
    let environment = ["PATH": "/usr/bin:/bin", "HOME": server.home]

    func inProcess(_ options: SSHOptions, _ destination: SSHDestination) throws -> SSHChannel {
      let channel = try SSHChannel.open(destination, options: options)
      while try !channel.read(upTo: 65536, deadline: .after(seconds: 10)).isEmpty {}
      channel.close()
      return channel
    }
    func tunnel(_ command: ExternalSSHCommand, _ destination: SSHDestination, _ request: [UInt8])
      throws -> [UInt8]
    {
      let tunnel = try command.start(destination, environment: environment)
      try tunnel.input.writeAll(request, deadline: .after(seconds: 20))
      let reply = try tunnel.output.readToEnd(limit: 1 << 20, deadline: .after(seconds: 20))
      tunnel.close(deadline: .after(seconds: 10))
      return reply
    }
    let external = ExternalSSHCommand(distccSSH: "ssh -F \(sshConfig)")
    let multiplexConfig = try server.directory.write(
      "ssh_config_mux",
      try server.read(sshConfig)
        + "  ControlMaster auto\n  ControlPath \(server.directory.path)/mux-%C\n"
        + "  ControlPersist 60\n")
    let multiplexed = ExternalSSHCommand(distccSSH: "ssh -F \(multiplexConfig)")
    defer {
      _ = try? runChecked(["ssh", "-F", multiplexConfig, "-O", "exit", "-l", "root", "127.0.0.1"])
    }
    var timings: [SSHChannel.SetupTimings] = []
    let reused = try SSHConnection.open(echo, options: server.options())
    try compare(
      "transport, remote `echo` (connection cost only)",
      [
        (
          "in-process libssh2 (this module)",
          { timings.append(try inProcess(server.options(), echo).setupTimings) }
        ),
        (
          "in-process, reused `SSHConnection` (new channel only)",
          {
            let channel = try reused.openChannel(deadline: .after(seconds: 10))
            while try !channel.read(upTo: 65536, deadline: .after(seconds: 10)).isEmpty {}
            channel.close()
          }
        ),
        (
          "`ssh -o BatchMode=yes HOST true`, forked",
          {
            try runChecked(
              ["ssh", "-F", sshConfig, "-o", "BatchMode=yes", "-l", "root", "127.0.0.1", "true"],
              environment: environment)
          }
        ),
        ("DISTCC_SSH=ssh tunnel (3.4's way)", { _ = try tunnel(external, echo, []) }),
        (
          "DISTCC_SSH=ssh with ControlMaster/ControlPersist",
          { _ = try tunnel(multiplexed, echo, []) }
        ),
      ])
    let median = timings.sorted { $0.total < $1.total }[timings.count / 2]
    print(
      "\nin-process setup, median run: connect \(format(median.connect)) ms, handshake + host key check"
        + " \(format(median.handshake)) ms, authentication \(format(median.authentication)) ms, channel + exec"
        + " \(format(median.exec)) ms")

    var ecdh = server.options()
    ecdh.algorithms.keyExchange = "ecdh-sha2-nistp256"
    var dh = server.options()
    dh.algorithms.keyExchange = "diffie-hellman-group14-sha256"
    var ecdsaHost = server.options()
    ecdsaHost.algorithms.hostKeys = [.ecdsa256]
    var ecdsaUser = server.options()
    ecdsaUser.configFile = try server.directory.write(
      "config-ecdsa", "IdentityFile \(server.home)/.ssh/id_ecdsa\n")
    try compare(
      "in-process handshake variant, remote `echo`",
      [
        (
          "default: curve25519-sha256, ssh-ed25519 host key, ed25519 user key",
          { _ = try inProcess(server.options(), echo) }
        ),
        ("kex ecdh-sha2-nistp256", { _ = try inProcess(ecdh, echo) }),
        ("kex diffie-hellman-group14-sha256", { _ = try inProcess(dh, echo) }),
        ("host key ecdsa-sha2-nistp256", { _ = try inProcess(ecdsaHost, echo) }),
        ("user key ecdsa-sha2-nistp256", { _ = try inProcess(ecdsaUser, echo) }),
      ])
    var rsaUser = server.options()
    rsaUser.configFile = try server.directory.write(
      "config-rsa", "IdentityFile \(server.home)/.ssh/id_rsa\n")
    do {
      _ = try inProcess(rsaUser, echo)
      print("\nuser key rsa: accepted")
    } catch {
      print("\nuser key rsa: \(error)")
    }

    let download = server.destination(command: "head -c 16777216 /dev/zero; true")
    func bulk(_ cipher: String, _ mac: String) -> (String, () throws -> Void) {
      var options = server.options()
      options.algorithms.ciphers = cipher
      options.algorithms.macs = mac
      return (
        "\(cipher) + \(mac)",
        {
          let channel = try SSHChannel.open(download, options: options)
          var total = 0
          while true {
            let chunk = try channel.read(upTo: 1 << 20, deadline: .after(seconds: 30))
            if chunk.isEmpty { break }
            total += chunk.count
          }
          if total != 16 << 20 { throw CommandFailed(description: "read \(total) bytes") }
        }
      )
    }
    try compare(
      "16 MiB from the remote (`head -c`), in-process", runs: 5,
      [
        bulk("aes128-ctr", "hmac-sha2-256"), bulk("aes256-ctr", "hmac-sha2-256"),
        bulk("aes128-ctr", "hmac-sha1"),
      ])

    let daemon = try TestDaemon(
      .debian, listen: "127.0.0.1", arguments: ["--allow", "127.0.0.1"],
      logPath: server.directory.appending("distccd.log"))
    defer { daemon.stop() }
    let port = UInt16(daemon.port)
    try compare(
      "whole job: Debian distccd 3.4, protocol 1, `gcc -c` of a one-line file",
      [
        (
          "in-process SSH (this module)",
          {
            let channel = try SSHChannel.open(distccd, options: server.options())
            #expect(DistccJob.isSuccess(try DistccJob.run(over: channel)))
          }
        ),
        (
          "DISTCC_SSH=ssh tunnel (3.4's way)",
          {
            let reply = try tunnel(external, distccd, DistccJob.request)
            #expect(DistccJob.isSuccess(reply))
          }
        ),
        (
          "DISTCC_SSH=ssh with ControlMaster/ControlPersist",
          {
            let reply = try tunnel(multiplexed, distccd, DistccJob.request)
            #expect(DistccJob.isSuccess(reply))
          }
        ),
        (
          "plain TCP to `distccd --daemon`",
          {
            let address = SocketAddress(numericHost: "127.0.0.1", port: port)!
            let fd = try Socket.connect(to: address, deadline: .after(seconds: 4))
            defer { fd.closeIgnoringErrors() }
            try fd.writeAll(DistccJob.request, deadline: .after(seconds: 20))
            #expect(
              DistccJob.isSuccess(try fd.readToEnd(limit: 1 << 20, deadline: .after(seconds: 20))))
          }
        ),
      ])
  }
}

extension String {
  fileprivate func inserting(_ text: String, fromEnd offset: Int) -> String {
    let padded = count <= offset ? String(repeating: "0", count: offset + 1 - count) + self : self
    return String(padded.dropLast(offset)) + text + String(padded.suffix(offset))
  }
}
