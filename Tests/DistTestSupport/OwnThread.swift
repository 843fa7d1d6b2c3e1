import Foundation

/// Blocking work for async tests.
public enum OwnThread {
  /// Runs `work` on a thread of its own while the calling task suspends. A test that waited in a blocking
  /// system call on its task would hold one of the cooperative pool's threads (two on a 2-core machine, shared
  /// with every suite running in parallel), which the code under test may need to make progress: a server's
  /// `serve` task, a client call's continuation.
  public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T
  {
    try await withCheckedThrowingContinuation { continuation in
      let thread = Thread { continuation.resume(with: Result { try work() }) }
      thread.start()
    }
  }
}
