import ClientCore
import DistPosix
import DistTestSupport
import Glibc
import Synchronization
import Testing

/// Cancelling a call while it waits for a slot: the only slot of its only host is held by another client
/// process (Debian's distcc 3.4, sharing the lock files, its compile blocked on our daemon). The cancel ends the
/// wait within a bound, not when the other client lets go, and leaves no slot lock behind.
@Suite(
  .serialized, .timeLimit(.minutes(2)),
  .enabled(if: Binaries.hasDebianDistcc, "needs Debian's distcc"))
struct CancelSlotWaitTests {
  /// `DISTCC_SCHEDULER`: ours (sleeps on the wake-up word) or 3.4's (sleeps `DISTCC_PAUSE_TIME_MSEC`, here
  /// 120 s, far longer than the bound).
  enum Scheduler: String, CaseIterable {
    case adaptive
    case lockFiles = "3.4"
  }

  @Test(arguments: Scheduler.allCases)
  func cancellingWhileWaitingForASlotReturnsPromptlyAndHoldsNoLock(scheduler: Scheduler)
    async throws
  {
    let farm = try await EmbeddingFarm(compilers: ["slowcc"])
    let compiler = try CancellationTests.blockingCompiler(in: farm, blockingOn: .remoteCompile)
    _ = try farm.directory.write("src/a.c", "int a(void) { return 1; }\n")
    _ = try farm.directory.write("src/c.c", "int c(void) { return 2; }\n")
    let source = farm.directory.appending("src")
    let environment = farm.environment(
      hosts: "\(farm.ourHost)/1",
      extra: ["DISTCC_SCHEDULER": scheduler.rawValue, "DISTCC_PAUSE_TIME_MSEC": "120000"])
    // 3.4 makes `lock/` but not `$DISTCC_DIR` itself.
    try farm.directory.makeDirectories(farm.directory.appending("distcc"))
    try farm.directory.makeDirectories(farm.directory.appending("other-tmp"))
    let other = try BackgroundProcess(
      ["/usr/bin/distcc", compiler, "-c", "a.c", "-o", "a.o"],
      environment: environment.merging(["TMPDIR": farm.directory.appending("other-tmp")]) { $1 },
      directory: source, logPath: farm.directory.appending("other.log"))
    #expect(
      try await EmbeddingFarm.eventually { farm.directory.exists("started") },
      "the other client's compile never started: \(other.log())")

    // Our call waits for the slot; the chooser's "nothing available" line says it is waiting.
    let lines = Mutex<[String]>([])
    let client = DistributedCompiler(
      configuration: try ClientConfiguration(environment: environment),
      log: ClientLog(level: .info) { _, text, _ in lines.withLock { $0.append(text) } })
    let call = Task {
      try await client.compile(
        [compiler, "-c", "c.c", "-o", "c.o"], in: source,
        messages: { _, text, _ in lines.withLock { $0.append(text) } })
    }
    #expect(
      try await EmbeddingFarm.eventually {
        lines.withLock { $0.contains { $0.hasPrefix("nothing available") } }
      }, "the call never waited for a slot: \(lines.withLock { $0 }) \(other.log())")
    let cancelled = ContinuousClock.now
    call.cancel()
    await #expect(throws: ClientError.cancelled) { try await call.value }
    let took = ContinuousClock.now - cancelled
    // What shows the wait was cut short: the call is back while the other client still holds the slot (it
    // holds it until `release` exists, written below), long before one 3.4 pause. Alone this takes well under
    // 0.1 s; the bound is loose because the awaiting task resumes on the cooperative pool, which the other
    // suites running in parallel on a loaded 2-core machine can keep busy for seconds.
    #expect(took < .seconds(30), "the cancelled wait took \(took)")
    #expect(other.isRunning, "the other client finished first: the wait was not cut short")
    #expect(!farm.directory.exists("src/c.o"))
    #expect(farm.directory.list("tmp").isEmpty, "\(farm.directory.list("tmp"))")

    // The other client finishes with its slot; then no one holds a lock: another process could take it.
    _ = try farm.directory.write("release", "")
    #expect(try other.waitForExit().exitCode == 0, "\(other.log())")
    #expect(farm.directory.exists("src/a.o"))
    let locks = farm.directory.list("distcc/lock").filter { $0.hasPrefix("cpu_") }
    #expect(!locks.isEmpty)
    for name in locks {
      #expect(throws: Never.self, "\(name) is still held") {
        _ = try ForeignLock(farm.directory.appending("distcc/lock/" + name))
      }
    }
    // And the next call of this process gets the slot at once.
    let next = try await client.compile(["gcc", "-c", "c.c", "-o", "c.o"], in: source)
    #expect(next.placement == .remote(host: "\(farm.ourHost)/1"))
    try await farm.stop()
  }
}
