import DistPosix
import Synchronization
import SystemPackage

/// What cancelling one `DistributedCompiler.compile(_:in:environment:logger:)` call stops: the children it
/// started (killed with their process groups), the daemon connection it has open (shut down, so a blocked
/// read or write returns at once) and a wait for a slot (``pause(microseconds:)``, cut short). The job checks
/// `isCancelled` between its steps, frees its slots on the way out and writes no object.
final class CompileCancellation: Sendable {
  private struct Watched {
    var cancelled = false
    var children: [Int32: ChildProcess] = [:]
    var sockets: Set<Int32> = []
  }
  private let watched = Mutex(Watched())
  /// What a pause sleeps on; `cancel()` broadcasts it.
  private let wakeUp = ConditionLock()

  /// Whether `cancel()` was called.
  var isCancelled: Bool { watched.withLock { $0.cancelled } }

  /// Stops everything watched now, and anything watched later as soon as it starts.
  func cancel() {
    let (children, sockets) = watched.withLock { state -> ([ChildProcess], Set<Int32>) in
      state.cancelled = true
      return (Array(state.children.values), state.sockets)
    }
    wakeUp.withLock { wakeUp.broadcast() }
    for child in children { Self.stop(child) }
    // Under the lock: the owner cannot close (and the number be reused) in between.
    watched.withLock { state in
      for fd in sockets where state.sockets.contains(fd) {
        try? Socket.shutdownBoth(FileDescriptor(rawValue: fd))
      }
    }
  }

  /// Sleeps for `microseconds`, or until `cancel()`; `true` if the call is cancelled.
  func pause(microseconds: Int) -> Bool {
    let deadline = Deadline(
      nanoseconds: Deadline.now.nanoseconds + Int64(max(0, microseconds)) * 1000)
    return wakeUp.withLock {
      // `cancel()` sets the flag before it broadcasts under this lock: a cancel between the check and the wait
      // still wakes the wait.
      while !isCancelled, !deadline.hasPassed { _ = wakeUp.wait(until: deadline) }
      return isCancelled
    }
  }

  /// The slot waits' hook: sleeps for `microseconds` (cut short by `cancellation`, if any) and throws
  /// `.cancelled` once the call is cancelled, before or during the sleep.
  static func pause(microseconds: Int, unless cancellation: CompileCancellation?)
    throws(ClientError)
  {
    guard let cancellation else { return Sleep.microseconds(microseconds) }
    if cancellation.pause(microseconds: microseconds) { throw .cancelled }
  }

  /// Throws `.cancelled` once `cancellation` (if any) is cancelled.
  static func check(_ cancellation: CompileCancellation?) throws(ClientError) {
    if cancellation?.isCancelled == true { throw .cancelled }
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

/// A chooser of ours, whose waits for a slot a cancelled call cuts short: the async API hands it the call's
/// ``CompileCancellation``. (A chooser of the embedder's own returns when it returns; the job stops right
/// after.)
protocol CancellableChooser: HostChooser {
  var cancellation: CompileCancellation? { get set }
}

extension DistributedCompiler {
  /// This compiler with its chooser's slot waits bound to `cancellation`.
  func cancellable(by cancellation: CompileCancellation) -> DistributedCompiler {
    var compiler = self
    compiler.configuration.cancellation = cancellation
    if var chooser = chooser as? any CancellableChooser {
      chooser.cancellation = cancellation
      compiler.chooser = chooser
    }
    return compiler
  }
}
