import DistPosix
import Glibc

/// Starts `body` on a new detached pthread (DistPosix), so blocking syscalls never occupy Swift's
/// cooperative pool. False if no thread could be created.
func startThread(_ body: @escaping @Sendable () -> Void) -> Bool {
  do {
    try PosixThread.detach(body)
    return true
  } catch {
    return false
  }
}

/// A pthread mutex with one condition variable, for state that blocking threads wait on.
final class ConditionLock: @unchecked Sendable {  // all access goes through `mutex`
  private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

  init() {
    pthread_mutex_init(mutex, nil)
    var attributes = pthread_condattr_t()
    pthread_condattr_init(&attributes)
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
    pthread_cond_init(condition, &attributes)
    pthread_condattr_destroy(&attributes)
  }

  deinit {
    pthread_cond_destroy(condition)
    pthread_mutex_destroy(mutex)
    mutex.deallocate()
    condition.deallocate()
  }

  func withLock<T>(_ body: () throws -> T) rethrows -> T {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return try body()
  }

  /// Waits (lock held) until signalled or `deadline`; returns false on time-out.
  func wait(until deadline: Deadline) -> Bool {
    if deadline == .never { return pthread_cond_wait(condition, mutex) == 0 }
    var spec = timespec(  // DistPosix deadlines are on CLOCK_MONOTONIC, as this condition variable is.
      tv_sec: Int(deadline.nanoseconds / 1_000_000_000),
      tv_nsec: Int(deadline.nanoseconds % 1_000_000_000))
    return pthread_cond_timedwait(condition, mutex, &spec) == 0
  }

  func broadcast() { pthread_cond_broadcast(condition) }

  /// Wakes one waiter.
  func signal() { pthread_cond_signal(condition) }
}

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
    lock.withLock { state.started += 1 }
    let started = startThread { [self] in
      body()
      while let next = nextJob() { next() }
    }
    if !started { lock.withLock { state.started -= 1 } }
    return started
  }

  /// Waits for the next job as an idle worker; nil when this worker should exit.
  private func nextJob() -> (@Sendable () -> Void)? {
    lock.withLock {
      guard state.idle < maxIdle else { return nil }
      state.idle += 1
      let deadline = Deadline.after(milliseconds: idleTimeout)
      while state.queue.isEmpty {
        if !lock.wait(until: deadline) && deadline.hasPassed && state.queue.isEmpty {
          state.idle -= 1
          return nil
        }
      }
      return state.queue.removeFirst()
    }
  }
}
