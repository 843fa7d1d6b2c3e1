import DistPosix
import Synchronization
import SystemPackage

/// What cancelling one `DistributedCompiler.compile(_:in:environment:logger:)` call stops: the children it
/// started (killed with their process groups) and the daemon connection it has open (shut down, so a blocked
/// read or write returns at once). The job checks `isCancelled` between its steps, frees its slots on the way
/// out and writes no object.
final class CompileCancellation: Sendable {
  private struct Watched {
    var cancelled = false
    var children: [Int32: ChildProcess] = [:]
    var sockets: Set<Int32> = []
  }
  private let watched = Mutex(Watched())

  /// Whether `cancel()` was called.
  var isCancelled: Bool { watched.withLock { $0.cancelled } }

  /// Stops everything watched now, and anything watched later as soon as it starts.
  func cancel() {
    let (children, sockets) = watched.withLock { state -> ([ChildProcess], Set<Int32>) in
      state.cancelled = true
      return (Array(state.children.values), state.sockets)
    }
    for child in children { Self.stop(child) }
    // Under the lock: the owner cannot close (and the number be reused) in between.
    watched.withLock { state in
      for fd in sockets where state.sockets.contains(fd) {
        try? Socket.shutdownBoth(FileDescriptor(rawValue: fd))
      }
    }
  }

  /// Watches `child` (started in a process group of its own) until `forget(_:)`, which comes before it is
  /// reaped: a signal never reaches a recycled process id.
  func watch(_ child: ChildProcess) {
    let cancelled = watched.withLock { state in
      state.children[child.pid] = child
      return state.cancelled
    }
    if cancelled { Self.stop(child) }
  }

  func forget(_ child: ChildProcess) {
    _ = watched.withLock { $0.children.removeValue(forKey: child.pid) }
  }

  /// Watches a connected socket until `forget(socket:)`, which comes before it is closed.
  func watch(socket fd: FileDescriptor) {
    watched.withLock { state in
      state.sockets.insert(fd.rawValue)
      if state.cancelled { try? Socket.shutdownBoth(fd) }
    }
  }

  func forget(socket fd: FileDescriptor) {
    _ = watched.withLock { $0.sockets.remove(fd.rawValue) }
  }

  private static func stop(_ child: ChildProcess) {
    child.sendToGroup(Signals.terminate)
  }
}
