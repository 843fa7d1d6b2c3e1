import Glibc

/// Turns SIGTERM, SIGINT, SIGHUP and SIGALRM into bytes on a pipe the accept loop polls: the signals are
/// blocked in every thread (set before the first connection thread starts) and taken by one `sigwait` thread.
struct SignalWatcher: Sendable {
  let readEnd: Int32

  static let handled = [SIGTERM, SIGINT, SIGHUP, SIGALRM]

  static func start() throws(ServerError) -> SignalWatcher {
    var set = sigset_t()
    sigemptyset(&set)
    for signal in handled { sigaddset(&set, signal) }
    pthread_sigmask(SIG_BLOCK, &set, nil)
    var fds: [Int32] = [0, 0]
    guard pipe(&fds) == 0 else { throw .acceptFailed(reason: "pipe: \(Syscalls.errnoText())") }
    for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    let writeEnd = fds[1]
    let blocked = set
    _ = startThread {
      var waitSet = blocked
      while true {
        var signal: Int32 = 0
        if sigwait(&waitSet, &signal) == 0 {
          var byte = UInt8(truncatingIfNeeded: signal)
          _ = write(writeEnd, &byte, 1)
        }
      }
    }
    return SignalWatcher(readEnd: fds[0])
  }

  /// The next signal received, if any.
  func take() -> Int32? {
    var byte: UInt8 = 0
    return read(readEnd, &byte, 1) == 1 ? Int32(byte) : nil
  }
}
