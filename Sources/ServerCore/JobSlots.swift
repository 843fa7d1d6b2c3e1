import DistPosix

/// The compile slots (`--jobs`) and the connection caps, shared by all connection threads.
///
/// A connection counts against ``maxConnections`` and its address's cap from accept to close; it holds a
/// compile slot only between a fully read, validated request and the end of its compiler.
final class JobSlots: Sendable {
  private let lock = ConditionLock()
  private let state = UnsafeState()
  let jobs: Int
  let maxConnections: Int
  let maxPerAddress: Int

  private final class UnsafeState: @unchecked Sendable {  // guarded by `JobSlots.lock`
    var running = 0
    var connections = 0
    var perAddress: [String: Int] = [:]
  }

  init(jobs: Int, maxConnections: Int, maxPerAddress: Int) {
    self.jobs = max(1, jobs)
    self.maxConnections = max(1, maxConnections)
    self.maxPerAddress = max(1, maxPerAddress)
  }

  /// Registers an accepted connection; false if a cap is reached.
  func openConnection(from address: String) -> Bool {
    lock.withLock {
      let current = state.perAddress[address, default: 0]
      guard state.connections < maxConnections, current < maxPerAddress else { return false }
      state.connections += 1
      state.perAddress[address] = current + 1
      return true
    }
  }

  func closeConnection(from address: String) {
    lock.withLock {
      state.connections -= 1
      let left = state.perAddress[address, default: 1] - 1
      state.perAddress[address] = left > 0 ? left : nil
      lock.broadcast()
    }
  }

  /// Takes a compile slot, waiting until one is free or `deadline`; false on time-out.
  func acquire(until deadline: Deadline) -> Bool {
    lock.withLock {
      while state.running >= jobs {
        if !lock.wait(until: deadline) && deadline.hasPassed { return false }
      }
      state.running += 1
      return true
    }
  }

  func release() {
    lock.withLock {
      state.running -= 1
      lock.broadcast()
    }
  }

  /// Compiles running now.
  var running: Int { lock.withLock { state.running } }
  /// Connections open now.
  var connections: Int { lock.withLock { state.connections } }

  /// Waits until no connection is open or `deadline`; true if all closed.
  func waitUntilIdle(until deadline: Deadline) -> Bool {
    lock.withLock {
      while state.connections > 0 {
        if !lock.wait(until: deadline) && deadline.hasPassed { return state.connections == 0 }
      }
      return true
    }
  }
}
