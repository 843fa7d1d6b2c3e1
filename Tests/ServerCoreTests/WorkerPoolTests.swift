import DistPosix
import Glibc
import Synchronization
import Testing

@testable import ServerCore

/// The daemon's reusable connection threads.
@Suite struct WorkerPoolTests {
  /// Counts finished jobs and lets a test wait for a number of them, or hold jobs until released.
  final class Gate: Sendable {
    private let state = Mutex((started: 0, finished: 0, open: false))

    func job() {
      state.withLock { $0.started += 1 }
      while !state.withLock({ $0.open }) { usleep(1000) }
      state.withLock { $0.finished += 1 }
    }

    func open() { state.withLock { $0.open = true } }
    var started: Int { state.withLock { $0.started } }
    var finished: Int { state.withLock { $0.finished } }
  }

  /// Polls `condition` every millisecond for up to five seconds.
  func eventually(_ condition: () -> Bool) -> Bool {
    let deadline = Deadline.after(seconds: 5)
    while !condition() {
      if deadline.hasPassed { return false }
      usleep(1000)
    }
    return true
  }

  @Test func oneThreadServesJobAfterJob() {
    let pool = WorkerPool(maxIdle: 4)
    let gate = Gate()
    gate.open()
    for round in 1...50 {
      #expect(pool.run { gate.job() })
      #expect(eventually { gate.finished == round && pool.idleWorkers == 1 })
    }
    #expect(gate.finished == 50)
    #expect(pool.threadsStarted == 1)
  }

  @Test func jobsBeyondTheIdleWorkersGetNewThreadsAndRunConcurrently() {
    let pool = WorkerPool(maxIdle: 2)
    let gate = Gate()
    for _ in 0..<6 { #expect(pool.run { gate.job() }) }
    // All six run at once although at most two workers are kept idle: none waits for another.
    #expect(eventually { gate.started == 6 })
    #expect(pool.threadsStarted == 6)
    gate.open()
    #expect(eventually { gate.finished == 6 })
    // Four workers exit; two stay and serve the next jobs without new threads.
    #expect(eventually { pool.idleWorkers == 2 })
    let again = Gate()
    for _ in 0..<2 { #expect(pool.run { again.job() }) }
    #expect(eventually { again.started == 2 })
    again.open()
    #expect(eventually { again.finished == 2 })
    #expect(pool.threadsStarted == 6)
  }

  @Test func idleWorkersExitAfterTheTimeoutAndThePoolStillServes() {
    let pool = WorkerPool(maxIdle: 4, idleTimeout: 300)
    let gate = Gate()
    gate.open()
    #expect(pool.run { gate.job() })
    #expect(eventually { gate.finished == 1 })
    // Idle first (300 ms to see it), then gone: only then is the next job sure to need a new thread.
    #expect(eventually { pool.idleWorkers == 1 })
    #expect(eventually { pool.idleWorkers == 0 })
    #expect(pool.run { gate.job() })
    #expect(eventually { gate.finished == 2 })
    #expect(pool.threadsStarted == 2)
  }
}
