import Foundation
import Glibc
import Testing

/// Invocation modes, the recursion guard, and the commands that only print (client.md §2–3).
@Suite(.serialized, .timeLimit(.minutes(1))) struct ClientInvocationTests {
  /// Host lists whose `--show-hosts` and `-j` output must equal Debian's client's, byte for byte.
  static let hostLists = [
    "127.0.0.1", "localhost/3 127.0.0.2:4000/8,lzo @red alice@blue/6:/opt/distccd,lzo",
    "--localslots=1 --localslots_cpp=3 127.0.0.2 127.0.0.3/6 localhost/2", "a#b c\nd",
    "red/-2 [::1]:4000/3,lzo",
    "", "red:abc", "127.0.0.1,cpp,lzo 127.0.0.1,down",
  ]

  @Test(arguments: hostLists)
  func showHostsAndConcurrencyMatchDistcc34(hosts: String) throws {
    let world = try ClientWorld(hosts: hosts)
    for option in ["--show-hosts", "-j"] {
      let ours = try world.distcc([option])
      let theirs = try world.realDistcc([option])
      #expect(ours.status == theirs.status, "\(option)")
      #expect(ours.stdout == theirs.stdout, "\(option)")
      // Our extra HostSpec warnings may go to stderr; an error must appear whenever 3.4 reports one.
      if !theirs.stderr.isEmpty {
        #expect(!ours.stderr.isEmpty, "\(option): 3.4 said \(theirs.stderr)")
      }
    }
  }

  @Test func missingOperandExits101() throws {
    let world = try ClientWorld(hosts: nil)
    let result = try world.distcc([])
    #expect(result.status == 101)
    #expect(result.stderr.contains("missing option/operand"))
  }

  @Test func versionAndHelpPrintTheVersionLine() throws {
    let world = try ClientWorld(hosts: nil)
    let version = try world.distcc(["--version"])
    #expect(version.status == 0)
    #expect(version.stdout.hasPrefix("distcc 3.4 "))
    let help = try world.distcc(["--help"])
    #expect(help.status == 0)
    #expect(help.stdout.contains("Usage:"))
  }

  @Test func recursionGuardExits111() throws {
    let world = try ClientWorld(hosts: "localhost")
    let result = try world.distcc(["gcc", "-c", "hello.c"], ["_DISTCC_SAFEGUARD": "1"])
    #expect(result.status == 111)
    #expect(result.stderr.contains("CRITICAL! distcc seems to have invoked itself recursively!"))
    #expect(!world.exists("hello.o"))
  }

  @Test func implicitModeCompilesWithCc() throws {
    let world = try ClientWorld(hosts: "localhost")
    let result = try world.distcc(["-c", "hello.c"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(world.exists("hello.o"))
    // `distcc --foo` is `cc --foo`, run locally: the compiler's own error.
    let unknown = try world.distcc(["--foo"])
    #expect(unknown.status == 1)
  }

  @Test func responseFilesAreExpanded() throws {
    let world = try ClientWorld(hosts: "localhost")
    try world.write("args.rsp", "-c hello.c -o 'at file.o'\n")
    let result = try world.distcc(["gcc", "@args.rsp"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(world.exists("at file.o"))
  }

  @Test func masqueradeLinksDistributeAndNeverRecurse() throws {
    let (world, daemon) = try ClientWorld.withDaemon(hostOptions: ",lzo")
    defer { daemon.stop() }
    let links = world.path + "/masq"
    let made = try world.distcc(["--make-symlinks", links])
    #expect(made.status == 0, "\(made.stderr)")
    #expect(made.stdout.contains(links + "/gcc\n"))
    #expect(made.stdout.contains(links + "/cc\n"))
    #expect(
      FileSystemLink.resolved(links + "/gcc") == FileSystemLink.resolved(ClientHarness.distcc))
    world.environment["PATH"] = links + ":" + (world.environment["PATH"] ?? "")
    world.environment["DISTCC_LOG"] = world.path + "/client.log"
    world.environment["DISTCC_VERBOSE"] = "1"
    // Through the masquerade link by name (found on PATH) and by path.
    let byName = try runProcess(
      ["/usr/bin/env", "gcc", "-c", "hello.c"], environment: world.environment, in: world.path)
    #expect(byName.status == 0, "\(byName.stderr)")
    let byPath = try runProcess(
      [links + "/gcc", "-c", "hello.c", "-o", "p.o"], environment: world.environment, in: world.path
    )
    #expect(byPath.status == 0, "\(byPath.stderr)")
    #expect(daemon.compiledJobs(expected: 2) == 2)
    // Linking runs locally through the same link, and the local gcc is the real one (no recursion).
    let link = try runProcess(
      ["/usr/bin/env", "gcc", "hello.o", "-o", "hello"], environment: world.environment,
      in: world.path)
    #expect(link.status == 0, "\(link.stderr)")
    let output = try runProcess(
      [world.path + "/hello"], environment: world.environment, in: world.path)
    #expect(output.stdout == "hello\n")
    let log = (try? String(contentsOfFile: world.path + "/client.log", encoding: .utf8)) ?? ""
    #expect(!log.contains("recursively"))
    // A masquerade link whose PATH cannot be trimmed (it is the last element) finds itself: the guard stops it.
    var looping = world.environment
    looping["PATH"] = links
    let loop = try runProcess(
      [links + "/gcc", "-c", "hello.c"], environment: looping, in: world.path)
    #expect(loop.status == 111, "\(loop.stderr)")
  }
}

enum FileSystemLink {
  static func resolved(_ path: String) -> String {
    URL(fileURLWithPath: path).resolvingSymlinksInPath().path
  }
}
