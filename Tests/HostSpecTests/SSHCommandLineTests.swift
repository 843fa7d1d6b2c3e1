import DistTestSupport
import HostSpec
import Testing

/// What 3.4 does with an SSH entry, seen from the ssh program it runs: a fake `DISTCC_SSH` logs its arguments
/// and the first 12 bytes the client sends (`DIST0000000N`), then fails, so the client "compiles" locally
/// (the compiler is `true`, which keeps each run to a few milliseconds).
/// User, host, command and protocol version must be what our parse says.
@Suite struct SSHCommandLineTests {
  /// Each user with each host, twice, cycling through the limits, commands and options (some are 3.4
  /// oddities: `a@b` users, `b@c` and `h#x` hosts, an empty command).
  static let specs: [String] = {
    let users = ["", "alice", "a@b"]
    let hosts = ["127.0.0.1", "h#x", "[::1]", "b@c"]
    let limits = ["", "/3", "/12"]
    let commands = ["", ":/opt/bin/distccd", ":", ":/x/6", ":cmd:2"]
    let options = ["", ",lzo", ",lzo,cpp", ",lzofoo"]
    var specs: [String] = []
    for user in users {
      for host in hosts {
        for _ in 0..<2 {
          let n = specs.count
          specs.append(
            user + "@" + host + limits[n % limits.count] + commands[n % commands.count]
              + options[n % options.count])
        }
      }
    }
    return specs
  }()

  static let fakeSSH = """
    #!/bin/sh
    { printf '%s\\n' "$@"; printf -- '--stdin--\\n'; head -c 12; } > "$FAKE_SSH_LOG"
    exit 1

    """

  @Test(.enabled(if: RealDistcc.isInstalled, "\(RealDistcc.path) is not installed"))
  func runsTheCommandOurParseDescribes() async throws {
    let directory = try TestDirectory()
    defer { withExtendedLifetime(directory) {} }
    try directory.write("t.c", "int x;\n")
    let ssh = try directory.write("fake-ssh", Self.fakeSSH, mode: 0o755)
    let invocations = try Self.specs.indices.map { index in
      try directory.makeDirectories(directory.appending("dir\(index)"))
      return RealDistcc.Invocation(
        arguments: [
          "true", "-c", directory.appending("t.c"), "-o", directory.appending("t\(index).o"),
        ],
        environment: [
          "DISTCC_HOSTS": Self.specs[index], "DISTCC_DIR": directory.appending("dir\(index)"),
          "HOME": directory.path, "DISTCC_SSH": ssh,
          "FAKE_SSH_LOG": directory.appending("ssh\(index).log"),
          "PATH": "/usr/bin:/bin",
        ])
    }
    let outputs = try await RealDistcc.run(invocations)
    #expect(outputs.count == Self.specs.count)

    for (index, spec) in Self.specs.enumerated() {
      let host = try #require(try HostList.parse(spec).hosts.first)
      guard case .ssh(let user, let name, let command) = host.kind else {
        Issue.record("\(spec) is not an SSH host")
        continue
      }
      var expected = user.map { ["-l", $0] } ?? []
      expected += [
        name, command ?? HostEntry.defaultSSHCommand, "--inetd", "--enable-tcp-insecure",
      ]
      // 3.4 speaks protocol 3 only in pump mode (with an include server); a ,cpp host gets 2 otherwise.
      let version = host.options.cpp ? 2 : host.protocolVersion
      expected += ["--stdin--", "DIST0000000\(version)"]
      let log = String(decoding: try directory.read("ssh\(index).log"), as: UTF8.self)
      #expect(log.split(separator: "\n").map(String.init) == expected, "\(spec)")
    }
  }
}
