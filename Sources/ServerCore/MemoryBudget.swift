import DistProtocol
import Synchronization

/// Bytes reserved under a limit, drawn from a parent budget as well if there is one.
///
/// The daemon-wide allowance for request bodies (raw and decompressed, `--max-request-memory`) is a root
/// budget shared by every connection. A connection draws on it through a ``lease()``: a child budget with no
/// limit of its own, the ``ByteBudget`` its request decoder reserves from before it allocates or grows a body
/// buffer. A reservation is taken from the child and every ancestor, or from none; ``end()`` (or deinit) gives
/// everything the lease took back to its parent.
final class MemoryBudget: ByteBudget {
  /// The most bytes this budget may hold at once (`Int.max` for a lease: its parent's limit applies).
  let limit: Int
  private let parent: MemoryBudget?
  private let taken = Mutex(0)

  /// A root budget: the most bytes all its leases may hold at once.
  convenience init(limit: Int) {
    self.init(limit: limit, parent: nil)
  }

  private init(limit: Int, parent: MemoryBudget?) {
    self.limit = limit
    self.parent = parent
  }

  /// Bytes currently reserved (for a root, by all its leases).
  var used: Int { taken.withLock { $0 } }

  /// Takes `count` bytes if they fit under ``limit`` and the parent grants them too.
  func reserve(_ count: Int) -> Bool {
    taken.withLock { used in
      guard count >= 0, count <= limit - used, parent?.reserve(count) ?? true else { return false }
      used += count
      return true
    }
  }

  /// A lease for one connection's request.
  func lease() -> MemoryLease { MemoryBudget(limit: .max, parent: self) }

  /// Returns everything this budget holds to its parent (a lease's end; idempotent).
  func end() {
    let count = taken.withLock { used in
      defer { used = 0 }
      return used
    }
    if count > 0 { parent?.give(count) }
  }

  private func give(_ count: Int) {
    taken.withLock { $0 -= count }
  }

  deinit { end() }
}

/// One connection's share of a ``MemoryBudget`` (made by ``MemoryBudget/lease()``).
typealias MemoryLease = MemoryBudget
