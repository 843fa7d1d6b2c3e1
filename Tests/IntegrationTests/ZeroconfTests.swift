import DistPosix
import DistTestSupport
import Foundation
import Glibc
import Testing

/// `distccd --zeroconf` and `+zeroconf` between two namespaces with their own Avahi, against Debian's 3.4 both
/// ways (`Docs/zeroconf.md`). Needs root (namespaces), Avahi and Debian's distcc.
@Suite(
  .serialized, .zeroconfNetwork,
  .enabled(
    if: getuid() == 0 && Binaries.hasDebianDistcc && access("/usr/sbin/avahi-daemon", X_OK) == 0))
struct ZeroconfTests {
  var network: ZeroconfNetwork { ZeroconfNetwork.current! }
  static let ours = Binaries.ours("distccd")
  static let oursClient = Binaries.ours("distcc")
  static let debianDaemon = Binaries.debian("distccd") ?? "/usr/bin/distccd"

  /// The subtype 3.4 derives from this machine's `cc` (letters, digits and `-` kept, all else `-`).
  static func localSubtype(cc: String = "cc") throws -> String {
    func ask(_ option: String) throws -> String {
      let text = try runChecked([cc, option]).split(separator: "\n").first.map(String.init) ?? ""
      return String(text.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") ? $0 : "-" })
    }
    return "_\(try ask("-dumpmachine"))--\(try ask("-dumpversion"))._sub._distcc._tcp"
  }

  /// A `cc` that claims another version (as a daemon or client with another compiler would), in `directory`.
  func otherCompiler(in directory: TestDirectory) throws -> String {
    chmod(directory.path, 0o755)  // the daemon drops root before it asks `cc`
    _ = try directory.write(
      "bin/cc",
      "#!/bin/sh\ncase \"$1\" in -dumpversion) echo 99.1.0;; *) exec /usr/bin/cc \"$@\";; esac\n",
      mode: 0o755)
    return directory.appending("bin")
  }

  /// Starts a daemon (`ours` or Debian's) with `--zeroconf` in `node` and waits until `observer` sees it.
  func startDaemon(
    _ program: String, in node: ZeroconfNetwork.Node, seenFrom observer: ZeroconfNetwork.Node,
    jobs: Int = 5, path: String? = nil, log: String
  ) throws -> BackgroundProcess {
    var environment = ProcessInfo.processInfo.environment
    if let path { environment["PATH"] = path + ":" + (environment["PATH"] ?? "/usr/bin:/bin") }
    let daemon = try network.start(
      in: node,
      [
        program, "--daemon", "--no-detach", "--zeroconf", "--allow", "169.254.0.0/16", "--listen",
        node.address, "-j", String(jobs), "--log-stderr", "--log-level", "info",
      ], environment: environment, log: log)
    try network.waitForService(
      in: observer, "_distcc._tcp", containing: ";\(node.address);3632;", log: daemon)
    return daemon
  }

  /// Stops `daemon` and waits until `observer` no longer sees `node`'s service (the next test starts clean).
  func stop(
    _ daemon: BackgroundProcess, in node: ZeroconfNetwork.Node,
    seenFrom observer: ZeroconfNetwork.Node
  )
    throws
  {
    daemon.stop()
    try network.waitForService(
      in: observer, "_distcc._tcp", containing: ";\(node.address);3632;", present: false)
  }

  /// Runs a client (`ours` or Debian's) with `DISTCC_HOSTS=+zeroconf` in `node`, in `work`.
  func client(
    _ program: String, _ arguments: [String], in node: ZeroconfNetwork.Node, work: TestDirectory,
    path: String? = nil
  ) throws -> CommandResult {
    var environment = [
      "PATH": (path.map { $0 + ":" } ?? "") + "/usr/local/bin:/usr/bin:/bin", "HOME": work.path,
      "DISTCC_DIR": work.appending("distcc"), "DISTCC_HOSTS": "+zeroconf", "DISTCC_FALLBACK": "0",
      "TMPDIR": work.path,
    ]
    environment["DISTCC_LOG"] = nil
    _ = mkdir(work.appending("distcc"), 0o755)
    return try TestProcess.run(
      network.enter(node) + ["/usr/bin/env", "-C", work.path, program] + arguments,
      environment: environment, timeout: 60)
  }

  /// Compiles `hello.c` in `work` with `program` (`DISTCC_FALLBACK=0`) in node A: the object appears and
  /// `daemon` logged the job.
  func compileRemotely(_ program: String, in work: TestDirectory, on daemon: BackgroundProcess)
    throws
  {
    _ = try work.write("hello.c", "int main(void) { return 0; }\n")
    let compiled = try client(
      program, ["gcc", "-c", "hello.c", "-o", "hello.o"], in: network.a, work: work)
    #expect(compiled.exitCode == 0, "\(compiled)")
    #expect(work.exists("hello.o"))
    #expect(daemon.log().contains("hello.c"), "\(daemon.log())")
  }

  @Test func ourRegistrationIsThatOf34() throws {
    let debian = try startDaemon(
      Self.debianDaemon, in: network.a, seenFrom: network.b, log: "reg-deb.log")
    let ours = try startDaemon(Self.ours, in: network.b, seenFrom: network.a, log: "reg-ours.log")
    let subtype = try Self.localSubtype()
    let lines = try network.browse(in: network.a, subtype)
    // `=;iface;IPv4;name;type;domain;host;address;port;txt`: compare all but the interface and host.
    func fields(_ address: String) -> [Substring]? {
      lines.first { $0.contains(";\(address);") }?.split(
        separator: ";", omittingEmptySubsequences: false)
    }
    let theirs = try #require(fields(network.a.address))
    let mine = try #require(fields(network.b.address))
    #expect(theirs[3] == "distcc\\064zca" && mine[3] == "distcc\\064zcb")
    #expect(mine[4] == theirs[4] && mine[8] == "3632")
    #expect(mine[9] == theirs[9])
    #expect(mine[9].contains("\"jobs=5\"") && mine[9].contains("\"txtvers=1\""))
    try stop(ours, in: network.b, seenFrom: network.a)
    try stop(debian, in: network.a, seenFrom: network.b)
  }

  /// A client of one kind finds a daemon of the other (3.4's client our daemon, ours Debian's), lists it with
  /// its job count as 3.4 does, leaves it in the cache file the next client reads, and compiles there.
  @Test(arguments: [
    (daemon: ZeroconfTests.ours, client: "/usr/bin/distcc", jobs: 3),
    (daemon: ZeroconfTests.debianDaemon, client: ZeroconfTests.oursClient, jobs: 2),
  ])
  func clientFindsTheOtherKindsDaemonAndCompilesThere(
    daemon program: String, client clientProgram: String, jobs: Int
  ) throws {
    let work = try TestDirectory(prefix: "zeroconf-cross-")
    defer { ZeroconfNetwork.stopHelper(distccDir: work.appending("distcc")) }
    let daemon = try startDaemon(
      program, in: network.b, seenFrom: network.a, jobs: jobs,
      log: "cross-\(jobs).log")
    let shown = try client(clientProgram, ["--show-hosts"], in: network.a, work: work)
    #expect(shown.stdout == "\(network.b.address):3632/\(jobs)\n", "\(shown)")
    // The helper left behind serves the next client from the cache file, as 3.4's does.
    let cached = try String(
      contentsOfFile: work.appending("distcc/zeroconf/hosts"), encoding: .utf8)
    #expect(cached == "\(network.b.address):3632/\(jobs)\n")
    try compileRemotely(clientProgram, in: work, on: daemon)
    try stop(daemon, in: network.b, seenFrom: network.a)
  }

  @Test func ourClientFindsOurDaemonAndDebianClientSharesItsCache() throws {
    let work = try TestDirectory(prefix: "zeroconf-ours-ours-")
    defer { ZeroconfNetwork.stopHelper(distccDir: work.appending("distcc")) }
    let daemon = try startDaemon(
      Self.ours, in: network.b, seenFrom: network.a, jobs: 4, log: "ours-ours.log")
    try compileRemotely(Self.oursClient, in: work, on: daemon)
    // Debian's client finds our helper holding the lock and reads the same file: no second helper, no 1 s sleep.
    let started = Deadline.now
    let shown = try client("/usr/bin/distcc", ["--show-hosts"], in: network.a, work: work)
    #expect(shown.stdout == "\(network.b.address):3632/4\n", "\(shown)")
    #expect(Deadline.now.nanoseconds - started.nanoseconds < 900_000_000)
    // The web monitor lists what zeroconf found.
    let monitor = try MonitorOnce(distccDir: work.appending("distcc"), logDirectory: work.path) {
      !(($0["discovered"] as? [Any]) ?? []).isEmpty
    }
    let discovered = try #require(monitor.state["discovered"] as? [[String: Any]])
    #expect(discovered.count == 1)
    #expect(discovered.first?["host"] as? String == "\(network.b.address):3632")
    #expect(discovered.first?["jobs"] as? Int == 4)
    if !monitor.renderedPage.isEmpty {
      #expect(monitor.renderedPage.contains("found by zeroconf"), "\(monitor.renderedPage)")
      #expect(monitor.renderedPage.contains("\(network.b.address):3632 · 4 jobs"))
    }
    try stop(daemon, in: network.b, seenFrom: network.a)
  }

  @Test func daemonWhoseCompilerIsAnotherVersionIsNotFound() throws {
    let work = try TestDirectory(prefix: "zeroconf-other-cc-")
    defer { ZeroconfNetwork.stopHelper(distccDir: work.appending("distcc")) }
    let other = try otherCompiler(in: work)
    let daemon = try startDaemon(
      Self.ours, in: network.b, seenFrom: network.a, path: other, log: "other.log")
    let lines = try network.browse(in: network.a, try Self.localSubtype(cc: other + "/cc"))
    #expect(
      lines.contains { $0.contains(network.b.address) && $0.contains("\"cc_version=99.1.0\"") })
    for program in [Self.oursClient, "/usr/bin/distcc"] {
      let shown = try client(program, ["--show-hosts"], in: network.a, work: work)
      #expect(shown.stdout == "", "\(program): \(shown)")
      #expect(
        shown.stderr.contains("zeroconf/hosts contained no hosts; can't distribute work"),
        "\(shown)")
      ZeroconfNetwork.stopHelper(distccDir: work.appending("distcc"))
    }
    // A client whose cc is that version finds it.
    // (The helper keeps browsing and rewrites its cache: on a loaded machine the first look may come early.)
    var same = try client(Self.oursClient, ["--show-hosts"], in: network.a, work: work, path: other)
    for _ in 0..<20 where same.stdout != "\(network.b.address):3632/5\n" {
      Sleep.microseconds(250_000)
      same = try client(Self.oursClient, ["--show-hosts"], in: network.a, work: work, path: other)
    }
    #expect(same.stdout == "\(network.b.address):3632/5\n", "\(same)")
    try stop(daemon, in: network.b, seenFrom: network.a)
  }

  @Test func aSecondDaemonWithTheSameNameIsRenamedAndShutdownWithdraws() throws {
    let first = try startDaemon(Self.ours, in: network.b, seenFrom: network.a, log: "first.log")
    let second = try network.start(
      in: network.b,
      [
        Self.ours, "--daemon", "--no-detach", "--zeroconf", "--allow", "169.254.0.0/16", "--listen",
        network.b.address, "--port", "3700", "--log-stderr", "--log-level", "info",
      ], log: "second.log")
    try network.waitForService(
      in: network.a, "_distcc._tcp", containing: "distcc\\064zcb\\032\\0352;", log: second)
    #expect(second.log().contains("renaming to distcc@zcb #2"), "\(second.log())")
    second.stop()
    try network.waitForService(
      in: network.a, "_distcc._tcp", containing: "distcc\\064zcb\\032\\0352;", present: false)
    try stop(first, in: network.b, seenFrom: network.a)
  }
}
