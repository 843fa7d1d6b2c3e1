import DistTestSupport
import Foundation
import Glibc
import Testing

/// How `distccd` starts: `--daemon` returns only once the daemon serves, the version line scripts parse,
/// every option of 3.4's help, and listening sockets handed over by systemd (`LISTEN_FDS`).
@Suite(.serialized, .timeLimit(.minutes(2))) struct DaemonStartupTests {
  static let distccd = Binaries.ours("distccd")

  /// A loopback address and a port free on it, picked at run time.
  static func pickEndpoint() throws -> (String, Int) {
    let endpoint = try LoopbackAddress.pick()
    return (endpoint.address, Int(endpoint.port))
  }

  /// A world-writable directory (the daemon drops root before writing its pid file), removed afterwards.
  static func sharedDirectory() throws -> ClientTempDirectory {
    let directory = try ClientTempDirectory()
    chmod(directory.path, 0o1777)
    return directory
  }

  /// The compile a script starts right after `distccd --daemon` returns is served, with fallbacks off, and
  /// the pid file names the serving process (in a session of its own) when the command returns. Five rounds:
  /// the window the previous daemon left (it returned before the re-spawned copy listened) lost every one.
  @Test func detachedDaemonServesTheMomentItReturns() throws {
    for round in 0..<5 {
      let directory = try Self.sharedDirectory()
      let (address, port) = try Self.pickEndpoint()
      let pidFile = directory.path + "/distccd.pid"
      let started = try runProcess(
        [
          Self.distccd, "--daemon", "--listen", address, "--port", String(port), "--pid-file",
          pidFile,
          "--allow", "127.0.0.0/8", "--log-file", directory.path + "/log", "--log-level", "info",
        ], environment: ["PATH": "/usr/bin:/bin", "TMPDIR": directory.path], in: directory.path)
      let text = try? String(contentsOfFile: pidFile, encoding: .utf8)
      let pid = text.flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
      defer { if let pid { kill(pid, SIGKILL) } }
      #expect(started.status == 0, "round \(round): \(started.stderr)")
      let world = try ClientWorld(hosts: "\(address):\(port)")
      let compiled = try world.distcc(
        ["gcc", "-c", "hello.c", "-o", "hello.o"], ["DISTCC_FALLBACK": "0"])
      #expect(compiled.status == 0, "round \(round): \(compiled.stderr)")
      #expect(world.exists("hello.o"))
      let serving = try #require(pid, "round \(round): no pid file when --daemon returned")
      #expect(getsid(serving) == serving, "the detached daemon leads its own session")
      #expect(kill(serving, SIGTERM) == 0)
      #expect(
        waitUntil { DaemonShutdownTests.isGone(serving) }, "round \(round): the daemon did not stop"
      )
      #expect(!FileManager.default.fileExists(atPath: pidFile))
    }
  }

  /// A detached daemon that cannot start says why where it was started, with 3.4's exit code, instead of
  /// the foreground process exiting 0 and the daemon dying unseen.
  @Test func detachedDaemonThatCannotStartFailsInTheForeground() throws {
    let directory = try Self.sharedDirectory()
    let (address, port) = try Self.pickEndpoint()
    let result = try runProcess(
      [Self.distccd, "--daemon", "--listen", address, "--port", String(port)],
      environment: ["PATH": "/usr/bin:/bin", "TMPDIR": directory.path + "/missing"],
      in: directory.path)
    #expect(result.status == 107, "\(result.stderr)")
    #expect(
      result.stderr.contains("distccd: ERROR: failed to chdir to \(directory.path)/missing"),
      "\(result.stderr)")
    #expect(!isListening(address, port))
  }

  /// `distccd --version` and `distcc --version` begin with 3.4's exact line, which scripts parse with
  /// `^distccd [\w.-]+ [.\w-]+$`; what this is comes on a later line.
  @Test(arguments: ["distccd", "distcc"])
  func versionFirstLineIsDistcc34s(_ program: String) throws {
    let path = Binaries.ours(program)
    let result = try runProcess(
      [path, "--version"], environment: ["PATH": "/usr/bin:/bin"], in: "/tmp")
    #expect(result.status == 0)
    let lines = result.stdout.split(separator: "\n").map(String.init)
    let first = try #require(lines.first)
    #expect(first.wholeMatch(of: try Regex("\(program) [\\w.-]+ [.\\w-]+")) != nil, "\(first)")
    #expect(first == "\(program) 3.4 x86_64-pc-linux-gnu")
    #expect(lines.dropFirst().contains { $0.contains("swift-distcc") }, "\(result.stdout)")
  }

  /// Every option Debian's `distccd --help` lists is in ours, which ArgumentParser generates from the
  /// declarations.
  @Test func helpListsEveryOptionOfDistcc34() throws {
    let theirs = try runProcess(["/usr/bin/distccd", "--help"], environment: [:], in: "/tmp")
    let ours = try runProcess([Self.distccd, "--help"], environment: [:], in: "/tmp")
    #expect(ours.status == 0)
    let options = Set(
      theirs.stdout.matches(of: #/(?:^|[\s,])(--?[a-zA-Z][\w-]*)/#.anchorsMatchLineEndings()).map {
        String($0.output.1)
      })
    #expect(options.count >= 25, "parsed \(options.sorted()) from \(theirs.stdout)")
    let ourOptions = Set(
      ours.stdout.matches(of: #/(?:^|[\s,])(--?[a-zA-Z][\w-]*)/#.anchorsMatchLineEndings()).map {
        String($0.output.1)
      })
    #expect(
      options.subtracting(ourOptions).isEmpty,
      "missing: \(options.subtracting(ourOptions).sorted())")
  }

  /// systemd's socket activation by hand (`systemd-socket-activate`, from Debian's systemd package): with
  /// `Accept=no` the daemon serves the listening socket it was given and never binds; with `Accept=yes`
  /// (`--accept`) each connection starts one daemon that serves it as inetd would.
  @Test(arguments: [false, true])
  func socketActivationServesTheHandedOverSocket(accept: Bool) throws {
    let activate = "/usr/bin/systemd-socket-activate"
    try #require(
      FileManager.default.isExecutableFile(atPath: activate), "install Debian's systemd package")
    let directory = try Self.sharedDirectory()
    let (address, port) = try Self.pickEndpoint()
    var arguments = [activate, "--listen=\(address):\(port)"]
    if accept { arguments.append("--accept") }
    arguments += [Self.distccd] + (accept ? [] : ["--daemon", "--no-detach"])
    arguments += ["--allow", "127.0.0.0/8", "--log-stderr", "--log-level", "info"]
    let activator = try BackgroundProcess(
      arguments, environment: ["PATH": "/usr/bin:/bin", "TMPDIR": directory.path],
      logPath: directory.path + "/activate.log")
    defer { _ = activator.stop(signal: SIGKILL, grace: 1) }
    // Its own line, not a probe connection: with --accept a probe would start a daemon of its own.
    #expect(waitUntil { activator.log().contains("Listening on") }, "\(activator.log())")
    let world = try ClientWorld(hosts: "\(address):\(port)")
    for name in ["one", "two"] {
      let result = try world.distcc(
        ["gcc", "-c", "hello.c", "-o", "\(name).o"], ["DISTCC_FALLBACK": "0"])
      #expect(result.status == 0, "\(result.stderr)\n\(activator.log())")
      #expect(world.exists("\(name).o"))
    }
    // A daemon logs a job after its reply.
    #expect(waitUntil { activator.log().components(separatedBy: "COMPILE_OK").count - 1 == 2 })
    let log = activator.log()
    #expect(!log.contains("listening on"), "the daemon must not bind: \(log)")
    if accept {
      #expect(log.components(separatedBy: "inetd server started").count - 1 == 2, "\(log)")
    }
  }
}
