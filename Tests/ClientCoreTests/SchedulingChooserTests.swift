import DistPosix
import DistTestSupport
import Foundation
import Glibc
import HostSpec
import Testing

@testable import ClientCore

private func tcp(_ name: String, limit: Int = 2) -> HostEntry {
  HostEntry(kind: .tcp(host: name, port: 3632), limit: limit, displayName: name)
}

private func chooser(_ directory: TestDirectory) -> SchedulingHostChooser {
  SchedulingHostChooser(
    lockDirectory: directory.path, stateDirectory: directory.appending("sched"),
    readsDaemonLoad: false)
}

@Test func slotsHeldByAnotherClientAreSkipped() throws {
  let directory = try TestDirectory()
  let held = try ForeignLock(directory.appending("cpu_tcp_a_3632_0"))
  let reservation = try #require(
    try chooser(directory).reserve(among: [tcp("a"), tcp("b")], input: "x.c"))
  #expect(reservation.host.displayName == "b" && reservation.slot == 0)
  #expect(reservation.lock?.path == directory.appending("cpu_tcp_b_3632_0"))
  _ = held
}

@Test func finishedJobsTeachTheChooserWhichHostIsFaster() throws {
  let directory = try TestDirectory()
  let chooser = chooser(directory)
  let hosts = [tcp("slow"), tcp("fast")]
  let first = try #require(try chooser.reserve(among: hosts, input: "x.c"))
  #expect(first.host.displayName == "slow", "nothing known yet: list order")
  chooser.jobFinished(first, outcome: .completed(milliseconds: 900))
  first.release()
  let fast = HostReservation(host: tcp("fast"), slot: 0, lock: nil)
  chooser.jobFinished(fast, outcome: .completed(milliseconds: 200))
  let history = try String(contentsOfFile: directory.appending("sched/history"), encoding: .utf8)
  #expect(
    history
      == "cpu_tcp_fast_3632       200       1    0          0\ncpu_tcp_slow_3632       900       1    0          0\n"
  )
  let next = try #require(try chooser.reserve(among: hosts, input: "y.c"))
  #expect("\(next.host.displayName):\(next.slot)" == "fast:0")
  next.release()
  // Record locks do not exclude each other inside one process: hold fast:0 as another client would.
  let held = try ForeignLock(directory.appending("cpu_tcp_fast_3632_0"))
  let second = try #require(try chooser.reserve(among: hosts, input: "z.c"))
  #expect(
    "\(second.host.displayName):\(second.slot)" == "fast:1",
    "a fast host's second slot beats a slow one's first")
  _ = held
}

@Test func aFailureIsRememberedUntilTheNextSuccess() throws {
  let directory = try TestDirectory()
  let chooser = chooser(directory)
  let reservation = HostReservation(host: tcp("a"), slot: 0, lock: nil)
  chooser.jobFinished(reservation, outcome: .failed)
  chooser.jobFinished(reservation, outcome: .failed)
  var history = HostHistory.load(directory.appending("sched/history"))
  #expect(history[tcp("a")]?.failures == 2)
  chooser.jobFinished(reservation, outcome: .completed(milliseconds: 100))
  history = HostHistory.load(directory.appending("sched/history"))
  #expect(history[tcp("a")]?.failures == 0)
}

@Test func aWaitingClientTakesAFreedSlotWithinMilliseconds() throws {
  let directory = try TestDirectory()
  nonisolated(unsafe) var held: ForeignLock? = try ForeignLock(
    directory.appending("cpu_tcp_a_3632_0"))
  let released = DispatchSemaphore(value: 0)
  nonisolated(unsafe) var releasedAt = 0
  DispatchQueue.global().async {
    usleep(150_000)
    releasedAt = SmallFile.monotonicMilliseconds()
    held = nil
    released.signal()
  }
  let reservation = try #require(
    try chooser(directory).reserve(among: [tcp("a", limit: 1)], input: "x.c"))
  let tookAt = SmallFile.monotonicMilliseconds()
  released.wait()
  #expect(held == nil)
  #expect(reservation.slot == 0)
  #expect(tookAt - releasedAt < 100, "took the slot \(tookAt - releasedAt) ms after it was freed")
}

@Test func theLocalPoolSkipsBusyLocalhostLocks() throws {
  let directory = try TestDirectory()
  let held = try ForeignLock(directory.appending("cpu_localhost_0"))
  let chooser = chooser(directory)
  let slot = try #require(try chooser.reserveLocal(limit: 3))
  #expect(slot.slot == 1)
  #expect(slot.lock?.path == directory.appending("cpu_localhost_1"))
  #expect(try chooser.reserveLocal(limit: 0) == nil)
  _ = held
}

@Test func aFullLocalPoolWaitsForItsSlot() throws {
  let directory = try TestDirectory()
  nonisolated(unsafe) var held: ForeignLock? = try ForeignLock(
    directory.appending("cpu_localhost_0"))
  DispatchQueue.global().async {
    usleep(50_000)
    held = nil
  }
  let slot = try #require(try chooser(directory).reserveLocal(limit: 1))
  #expect(slot.slot == 0)
  #expect(held == nil)
}

@Test func theEnvironmentSelectsTheScheduler() throws {
  #expect(try ClientConfiguration(environment: [:]).scheduler == .adaptive)
  #expect(try ClientConfiguration(environment: ["DISTCC_SCHEDULER": "3.4"]).scheduler == .lockFiles)
  let compiler = DistributedCompiler(
    configuration: try ClientConfiguration(environment: ["DISTCC_DIR": "/d"]))
  let adaptive = try #require(compiler.chooser as? SchedulingHostChooser)
  #expect(adaptive.lockDirectory == "/d/lock" && adaptive.stateDirectory == "/d/sched")
  let legacy = DistributedCompiler(
    configuration: try ClientConfiguration(environment: [
      "DISTCC_DIR": "/d", "DISTCC_SCHEDULER": "3.4",
    ]))
  #expect(legacy.chooser is LockFileHostChooser)
}

/// A chooser whose pauses outlast any test: only a release's wake-up can end its wait in time.
private func patientChooser(_ directory: TestDirectory) -> SchedulingHostChooser {
  SchedulingHostChooser(
    lockDirectory: directory.path, stateDirectory: directory.appending("sched"),
    readsDaemonLoad: false,
    wait: SlotWait(initialMilliseconds: 30_000, maximumMilliseconds: 30_000))
}

enum SlotPool: String, CaseIterable, Sendable {
  case remote, local

  func reserve(_ chooser: SchedulingHostChooser) throws -> HostReservation? {
    switch self {
    case .remote: try chooser.reserve(among: [tcp("a", limit: 1)], input: "x.c")
    case .local: try chooser.reserveLocal(limit: 1)
    }
  }

  var wakeFile: String { self == .remote ? "sched/wake" : "sched/wake_local" }
}

@Test(arguments: SlotPool.allCases)
func aReleaseWakesAClientWaitingForASlotAtOnce(pool: SlotPool) throws {
  let directory = try TestDirectory()
  let chooser = patientChooser(directory)
  let holder = try #require(try pool.reserve(chooser))
  nonisolated(unsafe) var waited: HostReservation?
  nonisolated(unsafe) var waitedMilliseconds = 0
  let done = DispatchSemaphore(value: 0)
  DispatchQueue.global().async {
    let start = SmallFile.monotonicMilliseconds()
    waited = try? pool.reserve(chooser)
    waitedMilliseconds = SmallFile.monotonicMilliseconds() - start
    done.signal()
  }
  // Ready when the waiter sleeps on the pool's wake-up file.
  let deadline = SmallFile.monotonicMilliseconds() + 10_000
  var sleepers: UInt32 = 0
  while sleepers == 0 && SmallFile.monotonicMilliseconds() < deadline {
    sleepers =
      (try? WakeWord(path: directory.appending(pool.wakeFile), create: false))?.sleepers ?? 0
    if sleepers == 0 { usleep(1000) }
  }
  #expect(sleepers == 1)
  holder.release()
  done.wait()
  #expect(waited?.slot == 0 && waited?.lock?.path == holder.lock?.path)
  #expect(waitedMilliseconds < 10_000, "woken by the release, not by its 15–30 s pause")
}

@Test func reserveIfFreeNeverWaits() throws {
  let directory = try TestDirectory()
  let hosts = [tcp("a", limit: 1)]
  let chooser = patientChooser(directory)
  var held: ForeignLock? = try ForeignLock(directory.appending("cpu_tcp_a_3632_0"))
  #expect(try chooser.reserveIfFree(among: hosts, input: "x.c") == nil)
  #expect(held != nil)
  held = nil
  let free = try #require(try chooser.reserveIfFree(among: hosts, input: "x.c"))
  #expect(free.host.displayName == "a" && free.slot == 0)
  #expect(free.wakeDirectory == directory.appending("sched"))
  #expect(try chooser.reserveIfFree(among: [tcp("z", limit: 0)], input: "x.c") == nil)
  // 3.4's chooser cannot tell "busy" from "waiting": its reserveIfFree is reserve.
  let legacy = LockFileHostChooser(lockDirectory: directory.path, pauseMilliseconds: 0)
  free.release()
  #expect(try legacy.reserveIfFree(among: hosts, input: "x.c")?.slot == 0)
}

/// `cpu_localhost_N` serves pools of different sizes (`--localslots` 4, `--localslots_cpp` 8): a freed slot 5
/// must reach the cpp-pool waiter even though a compile-pool waiter, which cannot use it, slept first.
@Test func aFreedLocalSlotReachesTheWaiterThatCanUseIt() throws {
  let directory = try TestDirectory()
  let chooser = patientChooser(directory)
  let held = try (0..<8).map { _ in try #require(try chooser.reserveLocal(limit: 8)) }
  #expect(held.map(\.slot) == Array(0..<8))
  let wake = directory.appending("sched/wake_local")
  func waitForSleepers(_ count: UInt32) -> Bool {
    let deadline = SmallFile.monotonicMilliseconds() + 10_000
    while SmallFile.monotonicMilliseconds() < deadline {
      if ((try? WakeWord(path: wake, create: false))?.sleepers ?? 0) >= count { return true }
      usleep(1000)
    }
    return false
  }
  let done = DispatchSemaphore(value: 0)
  nonisolated(unsafe) var compileSlot: HostReservation?
  nonisolated(unsafe) var cppSlot: HostReservation?
  nonisolated(unsafe) var cppWaited = 0
  DispatchQueue.global().async {
    compileSlot = try? chooser.reserveLocal(limit: 4)
    done.signal()
  }
  #expect(waitForSleepers(1), "the compile-pool waiter sleeps first")
  DispatchQueue.global().async {
    let start = SmallFile.monotonicMilliseconds()
    cppSlot = try? chooser.reserveLocal(limit: 8)
    cppWaited = SmallFile.monotonicMilliseconds() - start
    done.signal()
  }
  #expect(waitForSleepers(2))
  held[5].release()
  done.wait()
  #expect(cppSlot?.slot == 5)
  #expect(cppWaited < 10_000, "woken by the release, not by its 15–30 s pause")
  held[0].release()
  done.wait()
  #expect(compileSlot?.slot == 0)
}
