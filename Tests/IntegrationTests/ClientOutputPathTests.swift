import DistPosix
import DistTestSupport
import Foundation
import Glibc
import Testing

/// What our client does with `-o PATH` when PATH is not a plain new file (issue 20, defect 1): each case
/// through our client against Debian's `distccd` 3.4 and against ours, as root and as an ordinary user.
/// The expectations are what local `gcc -c -o` (GNU as 2.40) and 3.4's client do, measured on this machine;
/// where those two differ (a FIFO, a missing parent directory) we do what 3.4 does (Docs/distcc.md).
@Suite(.timeLimit(.minutes(2)), .enabled(if: getuid() == 0, "needs root for mknod and useradd"))
struct ClientOutputPathTests {
  /// Who runs the client.
  enum Runner: String, CaseIterable, Sendable, CustomStringConvertible {
    case root, ordinaryUser
    var description: String { rawValue }
  }

  /// The daemon and the user, as one test argument.
  struct Setup: Sendable, CustomStringConvertible {
    var daemon: RealDaemon.Kind
    var runner: Runner
    var description: String { "\(runner) against \(daemon)" }
    static let all = RealDaemon.Kind.allCases.flatMap { daemon in
      Runner.allCases.map { Setup(daemon: daemon, runner: $0) }
    }
  }

  @Test(arguments: Setup.all)
  func characterDeviceLikeDevNullIsWrittenThroughAndStaysADevice(setup: Setup) throws {
    let world = try OutputWorld(setup)
    // Same major and minor as /dev/null, made here: the test never names a real system path.
    let made = try TestProcess.run(["mknod", "-m", "666", world.appending("t/null"), "c", "1", "3"])
    #expect(made.exitCode == 0, "\(made)")
    let before = try world.status("t/null")
    let result = try world.compile(to: "t/null")
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr == "")
    #expect(try world.status("t/null") == before, "still the same character device")
    #expect(before?.kind == .characterDevice)
    #expect(world.daemon.compiledJobs(expected: 1) == 1, "compiled remotely, not locally")
  }

  @Test(arguments: Setup.all)
  func fifoWithAReaderGetsTheObjectAndStaysAFifo(setup: Setup) throws {
    let world = try OutputWorld(setup)
    #expect(mkfifo(world.appending("t/fifo"), 0o666) == 0)
    try world.handOver("t")
    let before = try world.status("t/fifo")
    let reader = try BackgroundProcess(
      ["cat", world.appending("t/fifo")], logPath: world.appending("received"))
    let result = try world.compile(to: "t/fifo")
    _ = try reader.waitForExit(timeout: 20)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr == "")
    #expect(try world.read("received") == world.object, "the reader got the whole object")
    // The same FIFO (writing to a FIFO moves its mtime, so the time is not compared).
    let after = try world.status("t/fifo")
    #expect(after?.kind == before?.kind && after?.device == before?.device)
    #expect(after?.inode == before?.inode && after?.permissions == before?.permissions)
    #expect(after?.ownerID == before?.ownerID && after?.linkCount == before?.linkCount)
    #expect(before?.kind == .fifo)
  }

  @Test(arguments: Setup.all)
  func symbolicLinkToANonEmptyFileIsReplacedAndItsTargetKept(setup: Setup) throws {
    let world = try OutputWorld(setup)
    try world.makeLink(to: "target", holding: "old\n")
    let target = try world.status("t/target")
    let result = try world.compile(to: "t/link")
    #expect(result.status == 0, "\(result.stderr)")
    #expect(try world.status("t/link")?.kind == .regular, "GNU as replaces the link")
    #expect(try world.read("t/link") == world.object)
    #expect(try world.read("t/target") == Array("old\n".utf8))
    #expect(try world.status("t/target") == target)
  }

  @Test(arguments: Setup.all)
  func symbolicLinkToAnEmptyFileIsWrittenThrough(setup: Setup) throws {
    let world = try OutputWorld(setup)
    try world.makeLink(to: "target", holding: "")
    let result = try world.compile(to: "t/link")
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
      try world.status("t/link")?.kind == .symbolicLink, "GNU as keeps a link to an empty file")
    #expect(try world.read("t/target") == world.object)
  }

  @Test(arguments: Setup.all)
  func danglingSymbolicLinkCreatesItsTarget(setup: Setup) throws {
    let world = try OutputWorld(setup)
    try world.makeLink(to: "nowhere", holding: nil)
    let result = try world.compile(to: "t/link")
    #expect(result.status == 0, "\(result.stderr)")
    #expect(try world.status("t/link")?.kind == .symbolicLink)
    #expect(try world.read("t/nowhere") == world.object)
  }

  @Test(arguments: Setup.all)
  func hardLinkedFileGetsANewInodeAndTheOtherNameKeepsTheOldOne(setup: Setup) throws {
    let world = try OutputWorld(setup)
    try world.write("t/first", "old\n")
    link(world.appending("t/first"), world.appending("t/second"))
    try world.handOver("t")
    let old = try world.status("t/first")
    let result = try world.compile(to: "t/first")
    #expect(result.status == 0, "\(result.stderr)")
    let new = try world.status("t/first")
    #expect(new?.inode != old?.inode && new?.linkCount == 1)
    #expect(try world.read("t/first") == world.object)
    #expect(try world.read("t/second") == Array("old\n".utf8))
    #expect(try world.status("t/second")?.inode == old?.inode)
  }

  @Test(arguments: Setup.all)
  func readOnlyFileInAWritableDirectoryIsReplaced(setup: Setup) throws {
    let world = try OutputWorld(setup)
    try world.write("t/ro.o", "old\n", mode: 0o444)
    try world.handOver("t")
    let result = try world.compile(to: "t/ro.o")
    #expect(result.status == 0, "\(result.stderr)")
    #expect(try world.read("t/ro.o") == world.object)
  }

  @Test(arguments: Setup.all)
  func readOnlyFileInAReadOnlyDirectoryFailsAsGccDoes(setup: Setup) throws {
    let world = try OutputWorld(setup)
    try world.write("t/ro.o", "old\n", mode: 0o444)
    try world.handOver("t")
    chmod(world.appending("t"), 0o555)
    defer { chmod(world.appending("t"), 0o755) }
    let before = try world.status("t/ro.o")
    let result = try world.compile(to: "t/ro.o")
    if setup.runner == .root {
      #expect(result.status == 0, "root may write anywhere, as with local gcc: \(result.stderr)")
      #expect(try world.read("t/ro.o") == world.object)
    } else {
      #expect(result.status == 1, "gcc's own exit status after the local retry")
      #expect(
        result.stderr.hasLine(matching: "ERROR: write t/ro.o failed: Permission denied"),
        "\(result.stderr)")
      #expect(result.stderr.contains("can't create t/ro.o: Permission denied"), "gcc's message")
      #expect(try world.read("t/ro.o") == Array("old\n".utf8))
      #expect(try world.status("t/ro.o") == before)
    }
  }

  @Test(arguments: Setup.all)
  func directoryIsLeftAloneAndNamedInTheError(setup: Setup) throws {
    let world = try OutputWorld(setup)
    try world.directory.makeDirectories("t/dir.o")
    try world.handOver("t")
    let before = try world.status("t/dir.o")
    let result = try world.compile(to: "t/dir.o")
    #expect(result.status == 1, "gcc's own exit status after the local retry")
    #expect(
      result.stderr.hasLine(matching: "ERROR: write t/dir.o failed: Is a directory"),
      "\(result.stderr)")
    #expect(result.stderr.contains("can't create t/dir.o: Is a directory"), "gcc's message")
    #expect(try world.status("t/dir.o") == before)
    #expect(world.directory.list("t/dir.o") == [])
    #expect(world.directory.list("t") == ["dir.o"], "no temporary file left")
  }

  @Test(arguments: Setup.all)
  func missingParentDirectoriesAreCreatedAs34Does(setup: Setup) throws {
    let world = try OutputWorld(setup)
    let result = try world.compile(to: "t/no/sub/x.o")
    #expect(result.status == 0, "\(result.stderr)")
    #expect(try world.read("t/no/sub/x.o") == world.object)
    #expect(world.daemon.compiledJobs(expected: 1) == 1)
  }
}

/// One test's directory, daemon and (optionally) ordinary user, with `x.c` and the object local gcc makes.
final class OutputWorld {
  let directory: TestDirectory
  let daemon: RealDaemon
  let user: TemporaryUser?
  /// `gcc -c x.c` compiled locally, the bytes every distributed compile must deliver.
  let object: [UInt8]

  init(_ setup: ClientOutputPathTests.Setup) throws {
    directory = try TestDirectory(prefix: "distcc-output-")
    chmod(directory.path, 0o755)
    daemon = try RealDaemon(setup.daemon, logDirectory: directory.path)
    user = setup.runner == .ordinaryUser ? try TemporaryUser() : nil
    try directory.write("x.c", "int answer(void) { return 42; }\n")
    try directory.makeDirectories("t")
    try directory.makeDirectories("distcc-dir")
    let local = try runProcess(
      ["/usr/bin/gcc", "-c", "x.c", "-o", "local.o"], environment: ["PATH": "/usr/bin:/bin"],
      in: directory.path)
    guard local.status == 0 else { throw HarnessError("local gcc failed: \(local.stderr)") }
    object = try directory.read("local.o")
    for name in ["t", "distcc-dir"] { try handOver(name) }
  }

  func appending(_ name: String) -> String { directory.appending(name) }
  func read(_ name: String) throws -> [UInt8] { try directory.read(name) }
  func status(_ name: String) throws -> FileStatus? {
    try FileStatus.of(appending(name), followingLinks: false)
  }

  func write(_ name: String, _ text: String, mode: UInt32 = 0o644) throws {
    try directory.write(name, text, mode: mode)
  }

  /// Makes `t/link` a symbolic link to `target`, a file in `t` holding `contents` (none: a dangling link), and
  /// hands `t` over.
  func makeLink(to target: String, holding contents: String?) throws {
    if let contents { try write("t/" + target, contents) }
    symlink(target, appending("t/link"))
    try handOver("t")
  }

  /// Gives `name` (and what is below it) to the ordinary user, if there is one.
  func handOver(_ name: String) throws { try user?.own(appending(name)) }

  /// Runs `distcc gcc -c x.c -o output` as the setup's user.
  func compile(to output: String) throws -> ProcessResult {
    let command = [ClientHarness.distcc, "gcc", "-c", "x.c", "-o", output]
    return try runProcess(
      user?.command(command) ?? command,
      environment: [
        "PATH": "/usr/bin:/bin", "HOME": appending("t"), "TMPDIR": appending("distcc-dir"),
        "DISTCC_DIR": appending("distcc-dir"), "DISTCC_HOSTS": daemon.hostSpec,
      ], in: directory.path)
  }
}

extension String {
  /// Whether a line is `distcc[PID] ` followed by `text`.
  func hasLine(matching text: String) -> Bool {
    split(separator: "\n").contains { line in
      line.hasPrefix("distcc[") && line.hasSuffix("] " + text)
        && line.dropFirst(7).prefix { $0 != "]" }.allSatisfy(\.isNumber)
    }
  }
}
