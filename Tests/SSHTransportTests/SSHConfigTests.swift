import Testing

@testable import SSHTransport

/// `~/.ssh/config` resolved as OpenSSH resolves it, for the keywords we read.
@Suite struct SSHConfigTests {
  struct Expected: Sendable, Equatable {
    var hostName: String
    var user: String
    var port: UInt16
    var identityFiles: [String]? = nil  // nil: the defaults
  }

  struct Row: Sendable, CustomTestStringConvertible {
    var name: String
    var config: String
    var host: String
    var user: String? = nil
    var port: UInt16? = nil
    var expected: Expected
    var testDescription: String { name }
  }

  static let home = "/home/u"
  static let defaults = ["/home/u/.ssh/id_ed25519", "/home/u/.ssh/id_ecdsa", "/home/u/.ssh/id_rsa"]

  static let rows: [Row] = [
    Row(
      name: "no config", config: "", host: "red",
      expected: Expected(hostName: "red", user: "me", port: 22)),
    Row(
      name: "Host block",
      config:
        "Host red\n  HostName 10.0.0.7\n  User alice\n  Port 2222\n  IdentityFile ~/.ssh/farm\n",
      host: "red",
      expected: Expected(
        hostName: "10.0.0.7", user: "alice", port: 2222, identityFiles: ["/home/u/.ssh/farm"])),
    Row(
      name: "other host untouched", config: "Host red\n  Port 2222\n", host: "blue",
      expected: Expected(hostName: "blue", user: "me", port: 22)),
    Row(
      name: "first value wins",
      config: "Host red\n  User first\nHost *\n  User second\n  Port 99\n", host: "red",
      expected: Expected(hostName: "red", user: "first", port: 99)),
    Row(
      name: "lines before Host apply to all", config: "User everyone\nHost red\n  User alice\n",
      host: "red",
      expected: Expected(hostName: "red", user: "everyone", port: 22)),
    Row(
      name: "IdentityFile accumulates",
      config: "Host red\n  IdentityFile ~/a\nHost *\n  IdentityFile /k/b\n",
      host: "red",
      expected: Expected(
        hostName: "red", user: "me", port: 22, identityFiles: ["/home/u/a", "/k/b"])),
    Row(
      name: "patterns and negation",
      config: "Host farm-* !farm-9\n  Port 1\nHost farm-?\n  Port 2\n",
      host: "farm-9",
      expected: Expected(hostName: "farm-9", user: "me", port: 2)),
    Row(
      name: "case-insensitive keywords and host",
      config: "HOST Red\n  hostname RED.example\n  PORT 7\n",
      host: "rEd",
      expected: Expected(hostName: "RED.example", user: "me", port: 7)),
    Row(
      name: "equals signs", config: "Host=red\nPort=2200\nUser = bob\n", host: "red",
      expected: Expected(hostName: "red", user: "bob", port: 2200)),
    Row(
      name: "quotes and comments",
      config: "# farm\nHost red # the red box\n  IdentityFile \"~/my keys/id\"  # quoted\n",
      host: "red",
      expected: Expected(
        hostName: "red", user: "me", port: 22, identityFiles: ["/home/u/my keys/id"])
    ),
    Row(
      name: "tokens",
      config: "Host *\n  HostName %h.farm.example\n  IdentityFile ~/.ssh/%r@%h:%p-%u-%n%%\n",
      host: "red",
      user: "alice",
      expected: Expected(
        hostName: "red.farm.example", user: "alice", port: 22,
        identityFiles: ["/home/u/.ssh/alice@red.farm.example:22-me-red%"])),
    Row(
      name: "destination user and port beat config",
      config: "Host red\n  User alice\n  Port 2222\n", host: "red",
      user: "bob", port: 22, expected: Expected(hostName: "red", user: "bob", port: 22)),
    Row(
      name: "Match all applies", config: "Host blue\n  Port 1\nMatch all\n  Port 3\n", host: "red",
      expected: Expected(hostName: "red", user: "me", port: 3)),
  ]

  /// What only OpenSSH's client does is not guessed at: the job goes through `ssh`, with the line that says so.
  @Test(arguments: [
    ("Host red\n  ProxyJump bastion\n", "config line 2: ProxyJump is not supported in process"),
    ("ProxyCommand nc %h %p\n", "config line 1: ProxyCommand is not supported in process"),
    (
      "Include other.conf\nHost red\n  Port 2\n",
      "config line 1: Include is not supported in process"
    ),
    ("Match host red\n  Port 1\n", "config line 1: Match blocks are not supported in process"),
  ])
  func needsOpenSSH(config text: String, reason: String) throws {
    let config = try SSHConfig(parsing: Array(text.utf8), file: "config")
    let options = SSHOptions(home: Self.home, localUser: "me")
    #expect(throws: SSHError.needsOpenSSH(host: "red", reason: reason)) {
      try SSHHostSettings(
        destination: SSHDestination(host: "red"), options: options, config: config)
    }
  }

  @Test func proxyJumpNoneAndOtherHostsStayInProcess() throws {
    let config = try SSHConfig(
      parsing: Array("Host red\n  ProxyJump none\nHost blue\n  ProxyJump bastion\n".utf8),
      file: "config")
    let settings = try SSHHostSettings(
      destination: SSHDestination(host: "red"),
      options: SSHOptions(home: Self.home, localUser: "me"), config: config)
    #expect(settings.hostName == "red")
  }

  @Test(arguments: rows)
  func resolves(row: Row) throws {
    let config = try SSHConfig(parsing: Array(row.config.utf8), file: "config")
    let options = SSHOptions(home: Self.home, localUser: "me")
    let settings = try SSHHostSettings(
      destination: SSHDestination(host: row.host, user: row.user, port: row.port), options: options,
      config: config
    )
    let actual = Expected(
      hostName: settings.hostName, user: settings.user, port: settings.port,
      identityFiles: settings.identityFiles == Self.defaults ? nil : settings.identityFiles)
    #expect(actual == row.expected)
  }

  @Test(arguments: [
    ("Host red\n  Port 0\n", 2, "bad Port \"0\""),
    ("Host red\n  Port ssh\n", 2, "bad Port \"ssh\""),
    ("\nHost red\n  IdentityFile \"~/x\n", 3, "unterminated quote"),
    ("Host\n", 1, "Host needs at least one pattern"),
    ("Host red\n  StrictHostKeyChecking maybe\n", 2, "bad StrictHostKeyChecking \"maybe\""),
  ])
  func rejectsBadLinesNamingFileAndLine(text: String, line: Int, reason: String) {
    #expect(throws: SSHError.config(file: "cfg", line: line, reason: reason)) {
      let config = try SSHConfig(parsing: Array(text.utf8), file: "cfg")
      _ = try SSHHostSettings(
        destination: SSHDestination(host: "red"),
        options: SSHOptions(home: Self.home, localUser: "me"),
        config: config)
    }
  }

  @Test func knownHostsNameAndKeyscanFollowThePort() throws {
    let options = SSHOptions(home: Self.home, localUser: "me")
    let config = try SSHConfig(parsing: Array("Host red\n  HostName 10.1.1.1\n".utf8), file: "c")
    let standard = try SSHHostSettings(
      destination: SSHDestination(host: "red"), options: options, config: config)
    #expect(standard.knownHostsName == "10.1.1.1")
    #expect(standard.keyscanCommand == "ssh-keyscan 10.1.1.1")
    let other = try SSHHostSettings(
      destination: SSHDestination(host: "red", port: 2222), options: options, config: config)
    #expect(other.knownHostsName == "[10.1.1.1]:2222")
    #expect(other.keyscanCommand == "ssh-keyscan -p 2222 10.1.1.1")
  }

  @Test(arguments: [
    ([UInt8](), ""), ([0x66], "Zg=="), ([0x66, 0x6f], "Zm8="), ([0x66, 0x6f, 0x6f], "Zm9v"),
    (Array("foobar".utf8), "Zm9vYmFy"),
  ])
  func base64RoundTrips(bytes: [UInt8], text: String) {
    #expect(Base64.encode(bytes) == text)
    #expect(Base64.decode(text) == bytes)
  }
}
