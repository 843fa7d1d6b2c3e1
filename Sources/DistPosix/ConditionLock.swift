internal import Glibc

/// A pthread mutex with one condition variable, for state that blocking threads wait on; the condition
/// variable runs on `CLOCK_MONOTONIC`, the clock of `Deadline`.
public final class ConditionLock: @unchecked Sendable {  // all access goes through `mutex`
  private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

  public init() {
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

  /// Runs `body` with the mutex held.
  public func withLock<T>(_ body: () throws -> T) rethrows -> T {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return try body()
  }

  /// Waits (lock held) until signalled or `deadline`; returns false on time-out.
  public func wait(until deadline: Deadline) -> Bool {
    if deadline == .never { return pthread_cond_wait(condition, mutex) == 0 }
    var spec = timespec(  // DistPosix deadlines are on CLOCK_MONOTONIC, as this condition variable is.
      tv_sec: Int(deadline.nanoseconds / 1_000_000_000),
      tv_nsec: Int(deadline.nanoseconds % 1_000_000_000))
    return pthread_cond_timedwait(condition, mutex, &spec) == 0
  }

  /// Wakes every waiter.
  public func broadcast() { pthread_cond_broadcast(condition) }

  /// Wakes one waiter.
  public func signal() { pthread_cond_signal(condition) }
}
