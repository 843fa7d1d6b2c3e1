internal import Glibc

/// Signals taken synchronously: blocked in every thread (block before starting any), then waited for.
extension Signals {
  /// Blocks `signals` in the calling thread (and in the threads it starts afterwards).
  public static func block(_ signals: [Int32]) {
    var set = sigset_t()
    sigemptyset(&set)
    for signal in signals { sigaddset(&set, signal) }
    pthread_sigmask(SIG_BLOCK, &set, nil)
  }

  /// Waits until one of the (blocked) `signals` arrives; returns it.
  public static func wait(for signals: [Int32]) -> Int32 {
    var set = sigset_t()
    sigemptyset(&set)
    for signal in signals { sigaddset(&set, signal) }
    var received: Int32 = 0
    while sigwait(&set, &received) != 0 {}
    return received
  }
}

/// Redirections of this process's own standard streams.
public enum StandardStreams {
  /// Makes descriptor 1 a copy of descriptor 2 (after a one-line handshake on a pipe, say).
  public static func pointOutputAtError() { dup2(2, 1) }
}
