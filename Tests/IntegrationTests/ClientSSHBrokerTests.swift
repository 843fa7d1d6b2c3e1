import DistPosix
import DistTestSupport
import Foundation
import Glibc
import Synchronization
import Testing

/// The per-user SSH connection broker end to end: real sshd on loopback, our `distccd --inetd` remote, our
/// client. Connections are counted in sshd's log (one `Accepted publickey` line per SSH connection).
@Suite(.serialized, .timeLimit(.minutes(3))) struct ClientSSHBrokerTests {
  static var remote: String { Binaries.ours("distccd") }

  /// The test sshd's log: how many SSH connections it authenticated.
  static func connections(_ server: SSHServer) -> Int {
    let log = (try? server.read(server.directory.appending("sshd.log"))) ?? ""
    return log.components(separatedBy: "Accepted publickey").count - 1
  }

  /// The broker sockets in the world's `$DISTCC_DIR/ssh`.
  static func sockets(_ world: ClientWorld) -> [String] {
    let directory = world.distccDir + "/ssh"
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    return names.filter { $0.hasSuffix(".sock") }.map { directory + "/" + $0 }
  }

  /// The pids of the world's brokers (`distcc --ssh-broker … dir=$DISTCC_DIR/ssh …`), from /proc.
  static func brokerPids(_ world: ClientWorld) -> [Int32] {
    let marker = "dir=\(world.distccDir)/ssh"
    return processes { words in
      words.count > 2 && words[1] == "--ssh-broker" && words.contains(marker)
    }
  }

  /// The pids of OpenSSH ControlMaster processes the world's jobs started (`ssh: DIR/HASH [mux]`).
  static func openSSHMasterPids(_ world: ClientWorld) -> [Int32] {
    let prefix = "ssh: \(world.distccDir)/ssh/"
    return processes { words in words.first?.hasPrefix(prefix) == true }
  }

  /// Live processes whose command line (split at NUL bytes) satisfies `matches`.
  static func processes(_ matches: ([String]) -> Bool) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { Int32($0) }.filter { pid in
      guard let bytes = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else {
        return false
      }
      return matches(bytes.split(separator: 0).map { String(decoding: $0, as: UTF8.self) })
        && isAlive(pid)
    }
  }

  /// Running (a killed broker whose parent has exited may stay a zombie until init reaps it).
  static func isAlive(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = stat.lastIndex(of: ")")
    else { return false }
    return !stat[stat.index(close, offsetBy: 2)...].hasPrefix("Z")
  }

  /// Stops every broker of the world by its pid and waits for it to be gone.
  static func stopBrokers(_ world: ClientWorld) {
    for pid in brokerPids(world) + openSSHMasterPids(world) {
      kill(pid, SIGKILL)
      _ = waitUntil(seconds: 5) { !isAlive(pid) }
    }
  }

  static func environment(_ server: SSHServer, persist: String? = nil) -> [String: String] {
    var environment = ["HOME": server.home, "DISTCC_FALLBACK": "0", "DISTCC_SKIP_LOCAL_RETRY": "1"]
    environment["DISTCC_SSH_PERSIST"] = persist
    return environment
  }

  /// Compiles each of `sources` (to `NAME.o`) with our client through `server`, from `clients` threads at
  /// once; the failures, one line each.
  static func compileConcurrently(
    _ sources: [String], clients: Int, in world: ClientWorld, _ server: SSHServer
  ) -> [String] {
    let environment = world.environment.merging(Self.environment(server)) { $1 }
    let directory = world.path
    let failures = Mutex<[String]>([])
    DispatchQueue.concurrentPerform(iterations: clients) { client in
      for index in stride(from: client, to: sources.count, by: clients) {
        let name = sources[index]
        do {
          let result = try runProcess(
            [ClientHarness.distcc, "gcc", "-c", name, "-o", name + ".o"], environment: environment,
            in: directory)
          if result.status != 0 { failures.withLock { $0.append("\(name): \(result.stderr)") } }
        } catch {
          failures.withLock { $0.append("\(name): \(error)") }
        }
      }
    }
    return failures.withLock { $0 }
  }

  @Test func fiftyJobsFromEightClientsShareOneConnection() throws {
    let server = try ClientSSHTests.farm()
    let world = try ClientWorld(hosts: "@farm/8:\(Self.remote)")
    defer { Self.stopBrokers(world) }
    let sources = (0..<50).map { "unit\($0).c" }
    for (index, name) in sources.enumerated() {
      try world.write(name, "int value\(index)(int x) { return x * \(index + 1); }\n")
    }
    #expect(Self.compileConcurrently(sources, clients: 8, in: world, server) == [])
    for name in sources {
      try world.local(["gcc", "-c", name, "-o", name + ".local.o"])
      #expect(world.contents(name + ".o") != nil)
      #expect(world.contents(name + ".o") == world.contents(name + ".local.o"), "\(name)")
    }
    #expect(Self.connections(server) == 1, "one SSH connection for all 50 jobs")
    #expect(Self.sockets(world).count == 1)
  }

  /// More jobs at once than one SSH connection may carry: with sshd's default `MaxSessions` (10) the broker
  /// never asks for an eleventh channel (sshd logs "no more sessions" when refusing one); with `MaxSessions 1`
  /// it meets refusals, learns the lower limit, and the jobs beyond it wait instead of failing (before, a
  /// refusal met while sshd was still freeing the last job's session ended the broker's connection: 11
  /// connections for 15 jobs). Every job compiles remotely over the one connection.
  @Test(arguments: [nil, 1])
  func moreConcurrentJobsThanChannelsWaitForAChannel(maxSessions: Int?) throws {
    let server = try ClientSSHTests.farm(
      extraConfig: maxSessions.map { ["MaxSessions \($0)"] } ?? [])
    let clients = 14
    let world = try ClientWorld(hosts: "@farm/\(clients):\(Self.remote)")
    defer { Self.stopBrokers(world) }
    let sources = (0..<clients).map { "unit\($0).c" }
    for (index, name) in sources.enumerated() {
      try world.write(name, "int value\(index)(int x) { return x * \(index + 1); }\n")
    }
    // A first job starts the broker, so that the others all meet the same one.
    #expect(try world.distcc(["gcc", "-c", "hello.c"], Self.environment(server)).status == 0)
    #expect(Self.compileConcurrently(sources, clients: clients, in: world, server) == [])
    for name in sources { #expect(world.contents(name + ".o") != nil, "\(name)") }
    #expect(Self.connections(server) == 1, "one SSH connection for every job")
    let log = (try? server.read(server.directory.appending("sshd.log"))) ?? ""
    if maxSessions == nil {
      #expect(!log.contains("no more sessions"), "more than 10 channels asked for: \(log)")
    } else {
      #expect(log.contains("no more sessions"), "the lower limit was met and learnt")
    }
  }

  @Test func persistZeroOpensOneConnectionPerJob() throws {
    let server = try ClientSSHTests.farm()
    let world = try ClientWorld(hosts: "@farm:\(Self.remote)")
    for index in 0..<3 {
      let result = try world.distcc(
        ["gcc", "-c", "hello.c", "-o", "hello\(index).o"], Self.environment(server, persist: "0"))
      #expect(result.status == 0, "\(result.stderr)")
    }
    #expect(Self.connections(server) == 3)
    #expect(Self.sockets(world).isEmpty, "no broker with DISTCC_SSH_PERSIST=0")
    try world.local(["gcc", "-c", "hello.c", "-o", "local.o"])
    #expect(world.contents("hello2.o") == world.contents("local.o"))
  }

  @Test func brokerKilledMidJobCostsOneRetry() throws {
    let server = try ClientSSHTests.farm()
    // A remote command that says it started, then takes a second before serving: time to kill the broker.
    let started = server.directory.appending("started")
    let slow = server.directory.appending("slow-distccd")
    try server.write("#!/bin/sh\ntouch \(started)\nsleep 1\nexec \(Self.remote) \"$@\"\n", to: slow)
    chmod(slow, 0o755)
    let world = try ClientWorld(hosts: "@farm:\(Self.remote)")
    defer { Self.stopBrokers(world) }
    let environment = Self.environment(server)
    let warmUp = try world.distcc(["gcc", "-c", "hello.c", "-o", "warm.o"], environment)
    #expect(warmUp.status == 0, "\(warmUp.stderr)")
    let first = try #require(Self.brokerPids(world).first)

    let job = DispatchQueue.global()
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var result: ProcessResult?
    var slowEnvironment = world.environment.merging(environment) { $1 }
    slowEnvironment["DISTCC_HOSTS"] = "@farm:\(slow)"
    let directory = world.path
    job.async { [slowEnvironment] in
      result = try? runProcess(
        [ClientHarness.distcc, "gcc", "-c", "hello.c", "-o", "hello.o"],
        environment: slowEnvironment,
        in: directory)
      done.signal()
    }
    #expect(waitUntil(seconds: 20) { FileManager.default.fileExists(atPath: started) })
    kill(first, SIGKILL)
    done.wait()
    let finished = try #require(result)
    #expect(finished.status == 0, "\(finished.stderr)")
    #expect(
      finished.stderr.contains("retrying once through a new SSH connection"), "\(finished.stderr)")
    try world.local(["gcc", "-c", "hello.c", "-o", "local.o"])
    #expect(world.contents("hello.o") == world.contents("local.o"))
    #expect(!Self.isAlive(first))
    let second = Self.brokerPids(world)
    #expect(
      second.count == 1 && second != [first], "a new broker serves after the old one was killed")
  }

  @Test func staleSocketIsReplaced() throws {
    let server = try ClientSSHTests.farm()
    let world = try ClientWorld(hosts: "@farm:\(Self.remote)")
    defer { Self.stopBrokers(world) }
    let environment = Self.environment(server)
    #expect(try world.distcc(["gcc", "-c", "hello.c", "-o", "one.o"], environment).status == 0)
    Self.stopBrokers(world)  // leaves the socket file behind, nobody listening
    let socket = try #require(Self.sockets(world).first)
    #expect(FileManager.default.fileExists(atPath: socket))
    let result = try world.distcc(["gcc", "-c", "hello.c", "-o", "two.o"], environment)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
      !result.stderr.contains("retrying"),
      "a stale socket costs no failed attempt: \(result.stderr)")
    #expect(Self.brokerPids(world).count == 1)
    #expect(Self.connections(server) == 2)
  }

  @Test func brokerFailureIsTheJobsOneLineReason() throws {
    let server = try ClientSSHTests.farm()
    try server.write("", to: server.knownHostsPath)  // host key unknown: the broker cannot log in
    let world = try ClientWorld(hosts: "@farm:\(Self.remote)")
    defer { Self.stopBrokers(world) }
    var environment = Self.environment(server)
    environment["DISTCC_FALLBACK"] = nil
    let result = try world.distcc(["gcc", "-c", "hello.c", "-o", "hello.o"], environment)
    #expect(result.status == 0, "falls back to a local compile: \(result.stderr)")
    #expect(result.stderr.contains("host key refused"), "\(result.stderr)")
    #expect(world.exists("hello.o"))
    #expect(Self.sockets(world).isEmpty, "a broker that could not log in leaves no socket")
  }

  @Test func anotherUserCannotUseTheBroker() throws {
    let server = try ClientSSHTests.farm()
    let world = try ClientWorld(hosts: "@farm:\(Self.remote)")
    defer { Self.stopBrokers(world) }
    #expect(
      try world.distcc(["gcc", "-c", "hello.c", "-o", "one.o"], Self.environment(server)).status
        == 0)
    let socket = try #require(Self.sockets(world).first)
    let mode = try #require(
      try? FileManager.default.attributesOfItem(atPath: world.distccDir + "/ssh")[.posixPermissions]
        as? Int)
    #expect(mode & 0o777 == 0o700)

    let user = try TemporaryUser()  // removed when released
    // Through the private directory: not even the socket can be reached.
    let blocked = try runProcess(
      user.command(["/usr/bin/python3", "-c", Self.probe, socket]),
      environment: ["PATH": "/usr/bin:/bin"], in: "/")
    #expect(blocked.stdout.contains("PermissionError"), "\(blocked.stdout) \(blocked.stderr)")
    // With the directory opened up, the broker itself refuses: it closes without a byte.
    chmod(world.distccDir, 0o755)
    chmod(world.distccDir + "/ssh", 0o755)
    chmod(world.path, 0o755)
    chmod(socket, 0o777)
    let refused = try runProcess(
      user.command(["/usr/bin/python3", "-c", Self.probe, socket]),
      environment: ["PATH": "/usr/bin:/bin"], in: "/")
    let answer = refused.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    // Closed at once: the probe sees end of file, a reset, or a broken pipe while still sending its hello.
    #expect(
      ["closed 0", "ConnectionResetError", "BrokenPipeError"].contains(answer),
      "\(refused.stdout) \(refused.stderr)")
    // The same probe as the owner gets the broker's answer (a ready status byte).
    let owner = try runProcess(
      ["/usr/bin/python3", "-c", Self.probe, socket], environment: [:], in: "/")
    #expect(
      owner.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "answered 0",
      "\(owner.stdout) \(owner.stderr)")
  }

  /// Connects to the socket in argv[1], sends a broker hello for `true`, prints what came back.
  static let probe = """
    import socket, sys
    try:
        s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1])
        s.sendall(b"DCSSHB1\\n" + len(b"true").to_bytes(4, "big") + b"true")
        b = s.recv(1)
        print("answered %d" % b[0] if b else "closed 0")
    except Exception as e:
        print(type(e).__name__)
    """
}
