import DistPosix
import DistTestSupport
import Foundation
import Glibc
import SystemPackage
import Testing

/// Debian's distccd 3.4 running the benchmark's fake compiler (allowed through `DISTCC_CMDLIST`, as a real
/// compiler would be) at its own speed, on `endpoint`; stopped by pid with its workers.
private func fakeCompilerDaemon(
  _ endpoint: LoopbackEndpoint, world: String, delayMilliseconds: Int
) throws -> TestDaemon {
  try TestDaemon(
    .debian, listen: endpoint.address, port: Int(endpoint.port),
    arguments: ["--allow", "127.0.0.0/8", "--jobs", "2"],
    environment: [
      "PATH": "/usr/bin:/bin", "TMPDIR": "/tmp", "DISTCC_CMDLIST": world + "/cmdlist",
      "DISTCC_CMDLIST_NUMWORDS": "1", "FAKECC_DELAY_MS": String(delayMilliseconds),
      "FAKECC_HOST": endpoint.address, "FAKECC_OBJECTS": world,
    ], logPath: world + "/distccd-\(endpoint.address).log")
}

/// A world with the benchmark's fake compiler (built from `fakecc.c`), its object for `f1.c`, and two daemons: `slow` listed first, `fast` second.
private struct SchedulingWorld {
  let world: ClientWorld
  let slow: TestDaemon
  let fast: TestDaemon

  init(slowFirst: Bool = true, limit: Int) throws {
    let placeholder = try ClientWorld(hosts: nil)
    chmod(placeholder.path, 0o755)
    let fakecc = ClientHarness.packageRoot + "/Benchmarks/scheduler/fakecc.c"
    try placeholder.write("cmdlist", placeholder.path + "/fakecc\n")
    let built = try placeholder.local(["gcc", "-O2", "-o", "fakecc", fakecc])
    guard built.status == 0 else { throw HarnessError("gcc fakecc.c: \(built.stderr)") }
    try placeholder.write("f1.c", "/* FILEID_1 */\nint f1(void) { return 1; }\n")
    try placeholder.write(
      "hold.c", "/* FILEID_1 FAKECC_DELAY_3000 */\nint f1(void) { return 1; }\n")
    let gcc = try placeholder.local(["gcc", "-c", "f1.c", "-o", "f1.o"])
    guard gcc.status == 0 else { throw HarnessError("gcc: \(gcc.stderr)") }
    let endpoints = try LoopbackAddress.pick(2)
    slow = try fakeCompilerDaemon(endpoints[0], world: placeholder.path, delayMilliseconds: 2000)
    fast = try fakeCompilerDaemon(endpoints[1], world: placeholder.path, delayMilliseconds: 50)
    let first = slowFirst ? slow : fast
    let second = slowFirst ? fast : slow
    placeholder.environment["DISTCC_HOSTS"] =
      "\(first.hostSpec)/\(limit) \(second.hostSpec)/\(limit)"
    placeholder.environment["PATH"] = placeholder.path + ":/usr/bin:/bin"
    placeholder.environment["FAKECC_OBJECTS"] = placeholder.path
    world = placeholder
  }

  /// The host that compiled a job, from the fake compiler's trace line relayed on the client's stderr.
  func host(of result: ProcessResult) -> String? {
    result.stderr.split(separator: "\n").first { $0.hasPrefix("SCHEDTRACE ") }?
      .split(separator: " ").dropFirst().first.map(String.init)
  }

  /// Waits until some process holds the lock file `name` (fcntl `F_GETLK`).
  func waitForLock(_ name: String) -> Bool {
    waitUntil {
      let fd = open(world.distccDir + "/lock/" + name, O_RDWR)
      guard fd >= 0 else { return false }
      defer { close(fd) }
      var lock = flock()
      lock.l_type = Int16(F_WRLCK)
      lock.l_whence = Int16(SEEK_SET)
      return fcntl(fd, F_GETLK, &lock) == 0 && lock.l_type != Int16(F_UNLCK)
    }
  }
}

@Suite(.serialized, .timeLimit(.minutes(1))) struct SchedulerTests {
  /// With nothing known, the list order is kept; each job's time is then remembered in `$DISTCC_DIR/sched`,
  /// and the faster host wins every later choice although it is listed second.
  @Test func theFasterHostIsPreferredOnceItsTimesAreKnown() throws {
    let farm = try SchedulingWorld(limit: 2)
    var hosts: [String?] = []
    for index in 0..<4 {
      let result = try farm.world.distcc(["fakecc", "-c", "f1.c", "-o", "out\(index).o"])
      #expect(result.status == 0, "\(result.stderr)")
      #expect(farm.world.contents("out\(index).o") == farm.world.contents("f1.o"))
      hosts.append(farm.host(of: result))
    }
    let history = try String(
      contentsOfFile: farm.world.distccDir + "/sched/history", encoding: .utf8)
    #expect(
      hosts == [farm.slow.address, farm.fast.address, farm.fast.address, farm.fast.address],
      "\(history)")
    #expect(history.contains("cpu_tcp_\(farm.fast.address)_\(farm.fast.port) "), "\(history)")
  }

  enum Holder: String, CaseIterable, Sendable { case ours, debian }

  /// Slots are shared with Debian's client through the same lock files, both ways: while one client holds
  /// the fast host's only slot for a long job, the other client's job goes to the slow host.
  @Test(arguments: Holder.allCases)
  func aSlotHeldByTheOtherClientIsLeftAlone(holder: Holder) throws {
    let farm = try SchedulingWorld(slowFirst: false, limit: 1)
    let holderBinary = holder == .ours ? ClientHarness.distcc : "/usr/bin/distcc"
    let otherBinary = holder == .ours ? "/usr/bin/distcc" : ClientHarness.distcc
    let holding = farm.world.start([holderBinary, "fakecc", "-c", "hold.c", "-o", "hold.o"])
    #expect(
      farm.waitForLock("cpu_tcp_\(farm.fast.address)_\(farm.fast.port)_0"),
      "the holder took the fast host's slot")
    let other = try farm.world.run([otherBinary, "fakecc", "-c", "f1.c", "-o", "other.o"])
    #expect(other.status == 0, "\(other.stderr)")
    #expect(farm.host(of: other) == farm.slow.address, "\(other.stderr)")
    let held = holding.wait()
    #expect(held?.status == 0)
    #expect(held.flatMap(farm.host(of:)) == farm.fast.address)
    #expect(farm.world.contents("other.o") == farm.world.contents("f1.o"))
  }

  /// While every slot is busy our client preprocesses first and waits afterwards, so the job is sent the
  /// moment a slot frees: its preprocessor has run (once) while the only slot is still held by another
  /// process, and the object arrives after the slot is let go.
  @Test func aClientWaitingForASlotHasAlreadyPreprocessed() throws {
    let farm = try SchedulingWorld(limit: 1)
    let world = farm.world
    world.environment["DISTCC_HOSTS"] = "\(farm.fast.hostSpec)/1"
    try farm.wrapLocalCompiler(
      "echo \"$*\" >> \(world.path)/cpp.log\nexec \(world.path)/fakecc \"$@\"\n")
    var held: ForeignLock? = try farm.holdFastSlot()
    let client = world.start([ClientHarness.distcc, "fakecc", "-c", "f1.c", "-o", "out.o"])
    // The preprocessor's runs: `-E` lines, not the identity probe's dry run (`-### -E -x c -`).
    func preprocessorRuns() -> Int {
      let log = world.contents("cpp.log").map { String(decoding: $0, as: UTF8.self) } ?? ""
      return log.split(separator: "\n").filter { $0.contains("-E") && !$0.contains("-###") }.count
    }
    let preprocessed = waitUntil { preprocessorRuns() > 0 }
    #expect(preprocessed, "the client preprocessed while the slot was held")
    #expect(world.contents("out.o") == nil)
    #expect(held != nil)
    held = nil
    let result = client.wait()
    #expect(result?.status == 0, "\(result?.stderr ?? "")")
    #expect(result.flatMap(farm.host(of:)) == farm.fast.address)
    #expect(world.contents("out.o") == world.contents("f1.o"))
    #expect(
      preprocessorRuns() == 1,
      "\(world.contents("cpp.log").map { String(decoding: $0, as: UTF8.self) } ?? "")")
  }

  /// A job whose preprocessor fails while every slot is busy waits for no slot: it retries locally at once
  /// (what a failed remote preprocessing leads to), or with `DISTCC_SKIP_LOCAL_RETRY` returns cpp's status.
  @Test(arguments: [false, true])
  func aPreprocessorFailingWhileEverySlotIsBusyWaitsForNoSlot(skipLocalRetry: Bool) throws {
    let farm = try SchedulingWorld(limit: 1)
    let world = farm.world
    world.environment["DISTCC_HOSTS"] = "\(farm.fast.hostSpec)/1"
    if skipLocalRetry { world.environment["DISTCC_SKIP_LOCAL_RETRY"] = "1" }
    try farm.wrapLocalCompiler(
      "case \" $* \" in *\" -E \"*) echo 'f1.c:1: error: broken' >&2; exit 1;; esac\n"
        + "exec \(world.path)/fakecc \"$@\"\n")
    let held = try farm.holdFastSlot()
    let result = try world.distcc(["fakecc", "-c", "f1.c", "-o", "out.o"])
    withExtendedLifetime(held) {}
    #expect(result.stderr.contains("error: broken"), "\(result.stderr)")
    if skipLocalRetry {
      #expect(result.status == 1, "\(result.stderr)")
      #expect(world.contents("out.o") == nil)
    } else {
      #expect(result.status == 0, "\(result.stderr)")
      #expect(farm.host(of: result) == "local", "compiled here, not on the held host")
      #expect(world.contents("out.o") == world.contents("f1.o"))
    }
  }
}

extension SchedulingWorld {
  /// Puts a `fakecc` running `body` (a shell script's body) early on the client's PATH; the daemons run the
  /// listed compiler directly.
  func wrapLocalCompiler(_ body: String) throws {
    try FileManager.default.createDirectory(
      atPath: world.path + "/wrap", withIntermediateDirectories: true)
    try world.write("wrap/fakecc", "#!/bin/sh\n" + body)
    chmod(world.path + "/wrap/fakecc", 0o755)
    world.environment["PATH"] =
      world.path + "/wrap:" + (world.environment["PATH"] ?? "/usr/bin:/bin")
  }

  /// Holds the fast host's slot 0 as another process would.
  func holdFastSlot() throws -> ForeignLock {
    try FileManager.default.createDirectory(
      atPath: world.distccDir + "/lock", withIntermediateDirectories: true)
    return try ForeignLock(world.distccDir + "/lock/cpu_tcp_\(fast.address)_\(fast.port)_0")
  }
}
