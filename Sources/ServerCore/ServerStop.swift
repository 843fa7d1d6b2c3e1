import DistPosix
import Synchronization
import SystemPackage

/// Why ``Server/run(listeners:)`` or ``Server/serveOne(input:output:)`` returned.
public enum StopReason: Sendable, Equatable {
  /// ``Server/shutdown(gracePeriod:)`` was called: jobs in flight were given the grace period.
  case shutdown(graceful: Bool)
  /// `--lifetime` (``ServerConfiguration/lifetime``) ran out (3.4 then dies by `SIGALRM`).
  case lifetimeExpired
  /// No connection for ``ServerConfiguration/idleExit`` seconds (`--idle-exit`): `distccd` exits 0.
  case idle
}

/// How a running server learns it must stop: a request (set once) and a pipe its accept loop polls,
/// written by ``Server/shutdown(gracePeriod:)`` from any thread or task.
final class StopControl: Sendable {
  /// The grace period asked for, once asked.
  private let request = Mutex<Int?>(nil)
  /// The loop's wake-up pipe, while a loop runs.
  private let wake = Mutex<(read: FileDescriptor, write: FileDescriptor)?>(nil)

  /// Asks the loop to stop, giving jobs in flight `gracePeriod` seconds (0: none). The first request wins.
  func request(gracePeriod: Int) {
    let pipe = wake.withLock { pipe -> (read: FileDescriptor, write: FileDescriptor)? in
      request.withLock { if $0 == nil { $0 = gracePeriod } }
      return pipe
    }
    if let pipe { _ = try? pipe.write.writeAll([1], deadline: .now) }
  }

  /// The grace period asked for, if a stop was requested.
  var requested: Int? { request.withLock { $0 } }

  /// The descriptor a loop polls; created for the loop, closed by ``endLoop()``.
  func beginLoop() throws(PosixError) -> FileDescriptor {
    let pipe = try Pipe.make()
    try pipe.write.setNonBlocking(true)
    wake.withLock { $0 = pipe }
    return pipe.read
  }

  /// Closes the loop's pipe.
  func endLoop() {
    let pipe = wake.withLock { pipe in
      defer { pipe = nil }
      return pipe
    }
    pipe?.read.closeIgnoringErrors()
    pipe?.write.closeIgnoringErrors()
  }
}
