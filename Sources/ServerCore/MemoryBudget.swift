import DistProtocol
import Synchronization

/// The daemon-wide allowance for request bodies (raw and decompressed), shared by every connection
/// (`--max-request-memory`). A connection draws on it through a ``MemoryLease`` before its decoder
/// allocates or grows a body buffer; the lease gives everything back when the job ends.
final class MemoryBudget: Sendable {
  /// The most bytes all connections may hold at once.
  let limit: Int
  private let taken = Mutex(0)

  init(limit: Int) {
    self.limit = limit
  }

  /// Bytes currently reserved by all leases.
  var used: Int { taken.withLock { $0 } }

  /// Takes `count` bytes if they fit under ``limit``.
  func take(_ count: Int) -> Bool {
    taken.withLock { used in
      guard count >= 0, count <= limit - used else { return false }
      used += count
      return true
    }
  }

  func give(_ count: Int) {
    taken.withLock { $0 -= count }
  }

  /// A lease for one connection's request.
  func lease() -> MemoryLease { MemoryLease(budget: self) }
}

/// One connection's share of a ``MemoryBudget``: the ``ByteBudget`` its request decoder reserves from.
/// ``end()`` (or deinit) returns every byte it took.
final class MemoryLease: ByteBudget {
  private let budget: MemoryBudget
  private let held = Mutex(0)

  init(budget: MemoryBudget) {
    self.budget = budget
  }

  /// Bytes this lease holds.
  var bytes: Int { held.withLock { $0 } }

  func reserve(_ count: Int) -> Bool {
    held.withLock { held in
      guard budget.take(count) else { return false }
      held += count
      return true
    }
  }

  /// Returns everything this lease took to the budget.
  func end() {
    let count = held.withLock { held in
      defer { held = 0 }
      return held
    }
    if count > 0 { budget.give(count) }
  }

  deinit { end() }
}
