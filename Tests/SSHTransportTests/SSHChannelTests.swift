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

  @Test func connectionRunsSeveralJobsInTurn() throws {
    let server = try SSHServer()
    try server.writeKnownHosts()
    let connection = try SSHConnection.open(server.destination(), options: server.options())
    for index in 0..<3 {
      let channel = try connection.openChannel(deadline: .after(seconds: 20))
      #expect(DistccJob.isSuccess(try DistccJob.run(over: channel)))
      channel.close()
      // Only the first channel paid for the handshake.
      #expect((channel.setupTimings.handshake > 0) == (index == 0))
    }
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
    let (agent, environment) = try server.startAgent(holding: server.home + "/.ssh/id_ed25519")
    defer { agent.stop() }
    // Only the agent holds the authorized key now; the key file on disk is a different, unauthorized one.
    unlink(server.home + "/.ssh/id_ed25519")
    unlink(server.home + "/.ssh/id_ed25519.pub")
    try makeKey(type: "ed25519", path: server.home + "/.ssh/id_ed25519")

    let channel = try SSHChannel.open(
      server.destination(), options: server.options(environment: environment))
    #expect(DistccJob.isSuccess(try DistccJob.run(over: channel)))
    // Without the agent the same HOME is refused.
    #expect(throws: SSHError.self) {
      try SSHChannel.open(server.destination(), options: server.options())
    }
  }

  @Test func identitiesOnlyLimitsAgentKeysToTheConfiguredFiles() throws {
    let server = try SSHServer()
    try server.writeKnownHosts()
    let authorized = server.home + "/.ssh/id_ed25519"
    let (agent, environment) = try server.startAgent(holding: authorized)
    defer { agent.stop() }
    // The private key now lives only in the agent; the .pub stays to name it.
    unlink(authorized)
    let other = server.directory.appending("other_key")
    try makeKey(type: "ed25519", path: other)

    let config = server.home + "/.ssh/config"
    try server.write("Host *\n  IdentitiesOnly yes\n  IdentityFile \(other)\n", to: config)
    let error = #expect(throws: SSHError.self) {
      try SSHChannel.open(server.destination(), options: server.options(environment: environment))
    }
    guard case .authentication(_, _, let tried, _)? = error else {
      Issue.record("expected authentication, got \(String(describing: error))")
      return
    }
    #expect(tried == ["\(other) (refused)"], "the agent's key must not be offered")

    try server.write("Host *\n  IdentitiesOnly yes\n  IdentityFile \(authorized)\n", to: config)
    let channel = try SSHChannel.open(
      server.destination(), options: server.options(environment: environment))
    #expect(DistccJob.isSuccess(try DistccJob.run(over: channel)))
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
    #expect(
      name == "[127.0.0.1]:\(server.port)" && type == "ssh-ed25519" && file == server.knownHostsPath
    )
    let expectedFingerprint = try runChecked([
      "ssh-keygen", "-l", "-f", server.directory.appending("ssh_host_ed25519_key.pub"),
    ])
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
    // The offending entry is on line 5, after a comment, a blank line, another host and a hashed entry.
    let hashed = server.directory.appending("hashed")
    try server.write("[127.0.0.1]:1 \(impostorKey)\n", to: hashed)
    try runChecked(["ssh-keygen", "-q", "-H", "-f", hashed])
    try server.write(
      "# farm\n\nother.example \(impostorKey)\n\(server.read(hashed))[127.0.0.1]:\(server.port) \(impostorKey)\n",
      to: server.knownHostsPath)
    let error = #expect(throws: SSHError.self) {
      try SSHChannel.open(server.destination(), options: server.options())
    }
    guard case .changedHostKey(_, _, _, _, let file, let line, _)? = error else {
      Issue.record("expected changedHostKey, got \(String(describing: error))")
      return
    }
    #expect(file == server.knownHostsPath && line == 5)
    #expect(error?.description.contains("recorded in \(server.knownHostsPath):5:") == true)
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
    try server.write(
      "Host *\n  StrictHostKeyChecking accept-new\n", to: server.home + "/.ssh/config")
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

  @Test func restrictedForcedCommandKeyServesJobs() throws {
    // The set-up Docs/ssh.md recommends: the farm key may run distccd and nothing else.
    let server = try SSHServer()
    try server.writeKnownHosts()
    let key = try publicKey(server.home + "/.ssh/id_ed25519.pub")
    try server.write(
      "restrict,command=\"/usr/bin/distccd --inetd --enable-tcp-insecure\" \(key)\n",
      to: server.authorizedKeys)
    let channel = try SSHChannel.open(
      server.destination(command: "anything-else"), options: server.options())
    #expect(DistccJob.isSuccess(try DistccJob.run(over: channel)))
  }

  @Test func bulkDataCrossesTheChannelWindowBothWays() throws {
    let server = try SSHServer()
    try server.writeKnownHosts()
    let size = 5 << 20  // more than twice libssh2's 2 MiB receive window and OpenSSH's
    // `sh -c 'wc -c' x --inetd --enable-tcp-insecure`: the extra words become $1 and $2, which wc never sees.
    let upload = try SSHChannel.open(
      server.destination(command: "sh -c 'wc -c' x"), options: server.options())
    try upload.write([UInt8](repeating: 7, count: size), deadline: .after(seconds: 30))
    try upload.sendEOF(deadline: .after(seconds: 10))
    let count = try upload.read(upTo: 100, deadline: .after(seconds: 30))
    #expect(String(decoding: count, as: UTF8.self) == "\(size)\n")

    let download = try SSHChannel.open(
      server.destination(command: "sh -c 'head -c \(size) /dev/zero' x"), options: server.options())
    var total = 0
    while true {
      let chunk = try download.read(upTo: 1 << 20, deadline: .after(seconds: 30))
      if chunk.isEmpty { break }
      #expect(chunk.allSatisfy { $0 == 0 })
      total += chunk.count
    }
    #expect(total == size)
  }

  @Test func encryptedKeyFileIsSkippedWithoutPrompting() throws {
    let server = try SSHServer()
    try server.writeKnownHosts()
    let key = server.home + "/.ssh/id_ed25519"
    try runChecked(["ssh-keygen", "-q", "-p", "-P", "", "-N", "secret", "-f", key])
    let error = #expect(throws: SSHError.self) {
      try SSHChannel.open(server.destination(), options: server.options())
    }
    guard case .authentication(_, _, let tried, _)? = error else {
      Issue.record("expected authentication, got \(String(describing: error))")
      return
    }
    #expect(tried.count == 1 && tried[0].hasPrefix("\(key) (unusable: "), "\(tried)")
  }

  @Test func unreachableHostsFailAtResolveOrConnect() throws {
    let home = try TestDirectory()
    let options = SSHOptions(home: home.path, localUser: "root")
    let closedPort = try FreePort.pick()
    let refused = #expect(throws: SSHError.self) {
      try SSHChannel.open(SSHDestination(host: "127.0.0.1", port: closedPort), options: options)
    }
    #expect(
      refused
        == .connect(
          host: "root@127.0.0.1:\(closedPort)",
          reason: "127.0.0.1:\(closedPort): Connection refused"))
    let unknown = #expect(throws: SSHError.self) {
      try SSHChannel.open(SSHDestination(host: "no-such-host.invalid"), options: options)
    }
    #expect(unknown?.stage == .resolve)
    #expect(
      unknown?.description.hasPrefix("ssh root@no-such-host.invalid: resolve failed: ") == true)
  }

  @Test func stalledRemoteTimesOutInRead() throws {
    let server = try SSHServer()
    try server.writeKnownHosts()
    // `sleep 3 --inetd …` would fail at once in GNU sleep; this sleeps and says nothing (and ends soon after).
    let channel = try SSHChannel.open(
      server.destination(command: "sleep 3;"), options: server.options())
    let started = ContinuousClock.now
    let error = #expect(throws: SSHError.self) {
      try channel.read(upTo: 100, deadline: .after(milliseconds: 300))
    }
    #expect(error == .timedOut(host: "root@127.0.0.1:\(server.port)", stage: .io))
    #expect(ContinuousClock.now - started < .seconds(5))
  }

  @Test func silentServerTimesOutInHandshake() throws {
    // A listener that never accepts: the TCP connection completes in the backlog, the SSH banner never comes.
    let fd = try Socket.listen(
      on: try #require(SocketAddress(numericHost: "127.0.0.1", port: 0)), backlog: 4)
    defer { fd.closeIgnoringErrors() }
    let port = try #require(try Socket.localAddress(fd)).port
    let home = try TestDirectory()
    var options = SSHOptions(home: home.path, localUser: "root", setupTimeout: .milliseconds(300))
    options.globalKnownHostsFiles = []
    let started = ContinuousClock.now
    let error = #expect(throws: SSHError.self) {
      try SSHChannel.open(
        SSHDestination(host: "127.0.0.1", port: port),
        options: options)
    }
    #expect(
      error
        == .timedOut(
          host: "root@127.0.0.1:\(port)", stage: .handshake))
    #expect(ContinuousClock.now - started < .seconds(3))
  }
}
