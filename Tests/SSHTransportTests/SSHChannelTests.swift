import DistPosix
import DistTestSupport
import Glibc
import SSHTransport
import Testing

/// Jobs over a real sshd on loopback, with Debian's distccd 3.4 as the remote command.
@Suite struct SSHChannelTests {
  @Test func keyFileAuthenticationRunsRemoteDistccd() throws {
    let server = try SSHServer()
    try server.writeKnownHosts()
    let channel = try SSHChannel.open(server.destination(), options: server.options())
    defer { channel.close() }
    let reply = try DistccJob.run(over: channel)
    #expect(DistccJob.isSuccess(reply), "\(String(decoding: reply.prefix(200), as: UTF8.self))")
    #expect(channel.negotiatedAlgorithms.hasPrefix("curve25519-sha256 ssh-ed25519 aes128-ctr"))
  }

  @Test(arguments: ["ed25519", "ecdsa"])
  func userKeyTypesWork(type: String) throws {
    let server = try SSHServer()
    try server.writeKnownHosts()
    unlink(server.home + "/.ssh/id_ed25519")
    try makeKey(type: type, path: server.home + "/.ssh/id_\(type)")
    try server.write(server.read(server.home + "/.ssh/id_\(type).pub"), to: server.authorizedKeys)
    let channel = try SSHChannel.open(server.destination(), options: server.options())
    #expect(DistccJob.isSuccess(try DistccJob.run(over: channel)))
  }

  @Test func agentAuthenticationNeedsNoKeyFile() throws {
    let server = try SSHServer()
    try server.writeKnownHosts()
    let socket = server.directory.appending("agent.sock")
    let agent = try BackgroundProcess(
      ["ssh-agent", "-D", "-a", socket], logPath: server.directory.appending("agent.log"))
    defer { agent.stop() }
    try waitForPath(socket)
    let environment = ["SSH_AUTH_SOCK": socket, "PATH": "/usr/bin:/bin"]
    try runChecked(["ssh-add", "-q", server.home + "/.ssh/id_ed25519"], environment: environment)
    // Only the agent holds the authorized key now; the key file on disk is a different, unauthorized one.
    unlink(server.home + "/.ssh/id_ed25519")
    unlink(server.home + "/.ssh/id_ed25519.pub")
    try makeKey(type: "ed25519", path: server.home + "/.ssh/id_ed25519")

    let channel = try SSHChannel.open(server.destination(), options: server.options(environment: environment))
    #expect(DistccJob.isSuccess(try DistccJob.run(over: channel)))
    // Without the agent the same HOME is refused.
    #expect(throws: SSHError.self) { try SSHChannel.open(server.destination(), options: server.options()) }
  }

  @Test func configSuppliesHostNamePortUserAndIdentityFile() throws {
    let server = try SSHServer()
    try server.writeKnownHosts()
    mkdir(server.home + "/keys", 0o700)
    try runChecked(["mv", server.home + "/.ssh/id_ed25519", server.home + "/keys/farm_key"])
    try runChecked(["mv", server.home + "/.ssh/id_ed25519.pub", server.home + "/keys/farm_key.pub"])
    try server.write(
      """
      # build farm
      Host farm-*  !farm-bad
        HostName 127.0.0.1
        Port \(server.port)
        User root
        IdentityFile ~/keys/farm_key
      Host *
        User nobody-at-all
        Port 1
      """, to: server.home + "/.ssh/config")
    let destination = SSHDestination(host: "farm-1", command: "/usr/bin/distccd")
    let channel = try SSHChannel.open(destination, options: server.options())
    #expect(DistccJob.isSuccess(try DistccJob.run(over: channel)))

    // A negated pattern falls through to `Host *`: user nobody-at-all on port 1, which refuses.
    let error = #expect(throws: SSHError.self) {
      try SSHChannel.open(SSHDestination(host: "farm-bad"), options: server.options())
    }
    #expect(error?.stage == .resolve || error?.stage == .connect)
  }

  @Test func hashedKnownHostsEntryIsAccepted() throws {
    let server = try SSHServer()
    try server.writeKnownHosts()
    try runChecked(["ssh-keygen", "-q", "-H", "-f", server.knownHostsPath])
    let text = try server.read(server.knownHostsPath)
    #expect(text.hasPrefix("|1|") && !text.contains("127.0.0.1"))
    let channel = try SSHChannel.open(server.destination(), options: server.options())
    #expect(DistccJob.isSuccess(try DistccJob.run(over: channel)))
  }

  @Test func unknownHostIsRefusedWithKeyscanAdvice() throws {
    let server = try SSHServer()
    try server.write("# nothing yet\n", to: server.knownHostsPath)
    let error = #expect(throws: SSHError.self) {
      try SSHChannel.open(server.destination(), options: server.options())
    }
    guard case .unknownHostKey(_, let name, let type, let fingerprint, let file, _)? = error else {
      Issue.record("expected unknownHostKey, got \(String(describing: error))")
      return
    }
    #expect(name == "[127.0.0.1]:\(server.port)" && type == "ssh-ed25519" && file == server.knownHostsPath)
    let expectedFingerprint = try runChecked(["ssh-keygen", "-l", "-f", server.directory.appending("ssh_host_ed25519_key.pub")])
    #expect(expectedFingerprint.contains(fingerprint))
    #expect(
      error?.description.contains(
        "ssh-keyscan -p \(server.port) 127.0.0.1 >> \(server.knownHostsPath)") == true)
  }

  @Test func changedHostKeyIsRefused() throws {
    let server = try SSHServer()
    let impostor = server.directory.appending("impostor")
    try makeKey(type: "ed25519", path: impostor)
    let impostorKey = try publicKey(impostor + ".pub")
    try server.write("[127.0.0.1]:\(server.port) \(impostorKey)\n", to: server.knownHostsPath)
    let error = #expect(throws: SSHError.self) {
      try SSHChannel.open(server.destination(), options: server.options())
    }
    guard case .changedHostKey(_, _, _, _, let file, _)? = error else {
      Issue.record("expected changedHostKey, got \(String(describing: error))")
      return
    }
    #expect(file == server.knownHostsPath)
    #expect(error?.description.contains("ssh-keygen -R '[127.0.0.1]:\(server.port)'") == true)
  }

  @Test func revokedHostKeyIsRefusedEvenIfListed() throws {
    let server = try SSHServer()
    let key = try #require(server.hostKeys["ssh-ed25519"])
    try server.writeKnownHosts(extraLines: ["@revoked * \(key)"])
    let error = #expect(throws: SSHError.self) {
      try SSHChannel.open(server.destination(), options: server.options())
    }
    guard case .revokedHostKey? = error else {
      Issue.record("expected revokedHostKey, got \(String(describing: error))")
      return
    }
  }

  @Test func recordedHostKeyTypeIsNegotiated() throws {
    let server = try SSHServer(hostKeyTypes: ["ed25519", "ecdsa"])
    try server.writeKnownHosts(types: ["ecdsa-sha2-nistp256"])
    let channel = try SSHChannel.open(server.destination(), options: server.options())
    #expect(channel.negotiatedAlgorithms.contains("ecdsa-sha2-nistp256"))
    #expect(DistccJob.isSuccess(try DistccJob.run(over: channel)))
  }

  @Test func acceptNewRecordsTheKeyThenRequiresIt() throws {
    let server = try SSHServer()
    try server.write("Host *\n  StrictHostKeyChecking accept-new\n", to: server.home + "/.ssh/config")
    let first = try SSHChannel.open(server.destination(), options: server.options())
    first.close()
    let recorded = try server.read(server.knownHostsPath)
    #expect(recorded == "[127.0.0.1]:\(server.port) \(server.hostKeys["ssh-ed25519"] ?? "?")\n")
    let second = try SSHChannel.open(server.destination(), options: server.options())
    #expect(DistccJob.isSuccess(try DistccJob.run(over: second)))
  }

  @Test func wrongKeyIsRefusedNamingTheKeyTried() throws {
    let server = try SSHServer()
    try server.writeKnownHosts()
    try server.write("", to: server.authorizedKeys)
    let error = #expect(throws: SSHError.self) {
      try SSHChannel.open(server.destination(), options: server.options())
    }
    guard case .authentication(_, let user, let tried, _)? = error else {
      Issue.record("expected authentication, got \(String(describing: error))")
      return
    }
    #expect(user == "root" && tried == ["\(server.home)/.ssh/id_ed25519 (refused)"])
  }

  @Test func missingRemoteCommandIsReportedWithItsStderr() throws {
    let server = try SSHServer()
    try server.writeKnownHosts()
    let channel = try SSHChannel.open(
      server.destination(command: "/nonexistent/distccd"), options: server.options())
    let error = #expect(throws: SSHError.self) { try DistccJob.run(over: channel) }
    guard case .remoteCommandFailed(_, let command, let status, let stderr)? = error else {
      Issue.record("expected remoteCommandFailed, got \(String(describing: error))")
      return
    }
    #expect(command == "/nonexistent/distccd --inetd --enable-tcp-insecure")
    #expect(status == 127)
    #expect(stderr.contains("No such file or directory"))
    #expect(error?.stage == .exec)
  }

  @Test func silentServerTimesOutInHandshake() throws {
    // A listener that never accepts: the TCP connection completes in the backlog, the SSH banner never comes.
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) + getsockname(fd, $0, &length) }
    }
    listen(fd, 4)
    let home = try TestDirectory()
    var options = SSHOptions(home: home.path, localUser: "root", setupTimeout: .milliseconds(300))
    options.globalKnownHostsFiles = []
    let started = ContinuousClock.now
    let error = #expect(throws: SSHError.self) {
      try SSHChannel.open(
        SSHDestination(host: "127.0.0.1", port: UInt16(bigEndian: address.sin_port)), options: options)
    }
    #expect(error == .timedOut(host: "root@127.0.0.1:\(UInt16(bigEndian: address.sin_port))", stage: .handshake))
    #expect(ContinuousClock.now - started < .seconds(3))
  }
}
