import Synchronization

/// Lock files this process holds. `fcntl` record locks belong to the process, so two jobs of one process
/// (a build tool embedding `ClientCore`) would both "get" the same slot, and closing either descriptor would
/// release the other's lock (clarifications.md). Every `SlotLock` claims its path here first.
final class InProcessSlots: Sendable {
  /// The table shared by every chooser in this process.
  static let shared = InProcessSlots()

  private let held = Mutex<Set<String>>([])

  /// Claims `path`; `false` if another job of this process holds it.
  func claim(_ path: String) -> Bool {
    held.withLock { $0.insert(path).inserted }
  }

  /// Gives `path` back.
  func release(_ path: String) {
    _ = held.withLock { $0.remove(path) }
  }
}
