import DistPosix
import DistTestSupport
import SSHTransport
import Testing

/// `DISTCC_SSH` mode: the argument vector 3.4 builds, and a real tunnel through OpenSSH's `ssh`.
@Suite struct ExternalSSHCommandTests {
  struct Row: Sendable, CustomTestStringConvertible {
    var distccSSH: String?
    var destination: SSHDestination
    var argv: [String]
    var testDescription: String { distccSSH.map { "DISTCC_SSH=\($0.debugDescription)" } ?? "unset" }
  }

  static let tail = ["--inetd", "--enable-tcp-insecure"]
  static let bob = SSHDestination(host: "127.0.0.1", user: "bob")

  static let rows: [Row] = [
    Row(distccSSH: nil, destination: bob, argv: ["ssh", "-l", "bob", "127.0.0.1", "distccd"] + tail),
    Row(distccSSH: "", destination: bob, argv: ["ssh", "-l", "bob", "127.0.0.1", "distccd"] + tail),
    Row(distccSSH: "   ", destination: bob, argv: ["ssh", "-l", "bob", "127.0.0.1", "distccd"] + tail),
    // The capture in protocol.md §10.
    Row(
      distccSSH: "/usr/local/bin/myssh -p 2222 -o BatchMode=yes", destination: bob,
      argv: ["/usr/local/bin/myssh", "-p", "2222", "-o", "BatchMode=yes", "-l", "bob", "127.0.0.1", "distccd"]
        + tail),
    // strtok: runs of spaces separate once, leading and trailing spaces vanish, tabs are not separators.
    Row(
      distccSSH: "  ssh   -v  ", destination: SSHDestination(host: "red"),
      argv: ["ssh", "-v", "red", "distccd"] + tail),
    Row(
      distccSSH: "ssh\t-v", destination: SSHDestination(host: "red"), argv: ["ssh\t-v", "red", "distccd"] + tail),
    // At most 12 words after the program.
    Row(
      distccSSH: "ssh " + (1...14).map { "w\($0)" }.joined(separator: " "),
      destination: SSHDestination(host: "red"),
      argv: ["ssh"] + (1...12).map { "w\($0)" } + ["red", "distccd"] + tail),
    // Host and command as written (hosts.md rows 44 and 50).
    Row(
      distccSSH: nil, destination: SSHDestination(host: "red", user: "alice", command: "/opt/bin/distccd"),
      argv: ["ssh", "-l", "alice", "red", "/opt/bin/distccd"] + tail),
    Row(
      distccSSH: nil, destination: SSHDestination(host: "b@c", user: "a"),
      argv: ["ssh", "-l", "a", "b@c", "distccd"] + tail),
    // 3.4's host specs have no port; one given through the API is not passed.
    Row(
      distccSSH: nil, destination: SSHDestination(host: "red", port: 2222),
      argv: ["ssh", "red", "distccd"] + tail),
  ]

  @Test(arguments: rows)
  func buildsThe34ArgumentVector(row: Row) {
    #expect(ExternalSSHCommand(distccSSH: row.distccSSH).arguments(for: row.destination) == row.argv)
  }

  @Test func programReceivesExactlyThoseArgumentsWithoutAShell() throws {
    // `echo` prints its arguments on the tunnel's stdout, which is our reply stream.
    let command = ExternalSSHCommand(distccSSH: "echo  $HOME  'q'")
    let tunnel = try command.start(
      SSHDestination(host: "red", user: "bob"), environment: ["PATH": "/usr/bin:/bin"])
    let output = try tunnel.output.readToEnd(limit: 4096, deadline: .after(seconds: 10))
    #expect(tunnel.close(deadline: .after(seconds: 10))?.exitCode == 0)
    #expect(
      String(decoding: output, as: UTF8.self) == "$HOME 'q' -l bob red distccd --inetd --enable-tcp-insecure\n")
  }

  @Test func missingProgramIsASpawnError() {
    let command = ExternalSSHCommand(distccSSH: "/nonexistent/ssh -v")
    #expect(throws: SSHError.spawn(program: "/nonexistent/ssh", reason: "No such file or directory")) {
      try command.start(SSHDestination(host: "red"))
    }
  }

  @Test func jobRunsThroughOpenSSHClient() throws {
    let server = try SSHServer()
    try server.writeKnownHosts()
    let config = try server.directory.write(
      "ssh_config",
      """
      Host *
        Port \(server.port)
        IdentityFile \(server.home)/.ssh/id_ed25519
        UserKnownHostsFile \(server.knownHostsPath)
        BatchMode yes

      """)
    let command = ExternalSSHCommand(distccSSH: "ssh -F \(config)")
    let tunnel = try command.start(
      SSHDestination(host: "127.0.0.1", user: "root", command: "/usr/bin/distccd"),
      environment: ["PATH": "/usr/bin:/bin", "HOME": server.home])
    try tunnel.input.writeAll(DistccJob.request, deadline: .after(seconds: 20))
    let reply = try tunnel.output.readToEnd(limit: 1 << 20, deadline: .after(seconds: 20))
    tunnel.close(deadline: .after(seconds: 10))
    #expect(DistccJob.isSuccess(reply), "\(String(decoding: reply.prefix(100), as: UTF8.self))")
  }
}
