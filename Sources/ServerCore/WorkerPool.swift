import DistPosix

/// Reusable threads for connections: a job runs on an idle worker when there is one, else on a new
/// detached thread, so that a daemon serving one job after another does not create and tear down a thread
/// (stack, TLS, malloc arena attachment) per connection. Jobs never wait for a worker: the pool has no
/// size limit (the connection caps bound it). A worker that finishes a job waits up to `idleTimeout` for
/// the next one, and exits at once if `maxIdle` workers are already waiting.
final class WorkerPool: Sendable {
  private let lock = ConditionLock()
  private let state = State()
  let maxIdle: Int
  let idleTimeout: Int64

  private final class State: @unchecked Sendable {  // guarded by `WorkerPool.lock`
    /// Jobs handed to idle workers and not yet picked up; each one claimed an idle worker.
    var queue: [@Sendable () -> Void] = []
    /// Waiting workers not claimed by a queued job.
    var idle = 0
    var started = 0
    /// Threads of this pool that have not ended yet.
    var live = 0
    /// Set once the server stops: idle workers exit at once and no worker waits again.
    var closed = false
  }

  /// - Parameters:
  ///   - maxIdle: the most workers kept waiting for work.
  ///   - idleTimeout: milliseconds an idle worker waits before it exits.
  init(maxIdle: Int, idleTimeout: Int64 = 60_000) {
    self.maxIdle = max(0, maxIdle)
    self.idleTimeout = idleTimeout
  }

  /// Threads started so far (for tests and statistics).
  var threadsStarted: Int { lock.withLock { state.started } }
  /// Threads of this pool still running (busy or idle).
  var liveThreads: Int { lock.withLock { state.live } }
  /// Workers waiting for a job now.
  var idleWorkers: Int { lock.withLock { state.idle } }

  /// Runs `body` on an idle worker or a new thread; false if neither was possible.
  func run(_ body: @escaping @Sendable () -> Void) -> Bool {
    let handedOver = lock.withLock {
      guard state.idle > 0 else { return false }
      state.idle -= 1
      state.queue.append(body)
      lock.signal()
      return true
    }
    if handedOver { return true }
    lock.withLock {
      state.started += 1
      state.live += 1
    }
    let started = startThread { [self] in
      body()
      while let next = nextJob() { next() }
      lock.withLock { state.live -= 1 }
    }
    if !started {
      lock.withLock {
        state.started -= 1
        state.live -= 1
      }
    }
    return started
  }

  /// Lets every idle worker exit now, and every busy one once its job is done (the server stopped).
  func close() {
    lock.withLock {
      state.closed = true
      lock.broadcast()
    }
  }

  /// Waits for the next job as an idle worker; nil when this worker should exit.
  private func nextJob() -> (@Sendable () -> Void)? {
    lock.withLock {
      guard state.idle < maxIdle, !state.closed else { return nil }
      state.idle += 1
      let deadline = Deadline.after(milliseconds: idleTimeout)
      while state.queue.isEmpty {
        if state.closed
          || (!lock.wait(until: deadline) && deadline.hasPassed && state.queue.isEmpty)
        {
          guard state.queue.isEmpty else { break }
          state.idle -= 1
          return nil
        }
      }
      return state.queue.removeFirst()
    }
  }
}
