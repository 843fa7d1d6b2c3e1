internal import Glibc
public import SystemPackage

/// Turns signals into bytes on a pipe that an event loop polls: the signals are blocked in the calling
/// thread, and so in every thread it starts afterwards (start the watcher before any other thread), and
/// taken by one `sigwait` thread.
public struct SignalWatcher: Sendable {
  /// Readable when a signal arrived; ``take()`` reads it.
  public let readEnd: FileDescriptor

  /// Blocks `signals` and starts the thread that waits for them.
  public static func start(_ signals: [Int32]) throws(PosixError) -> SignalWatcher {
    var set = sigset_t()
    sigemptyset(&set)
    for signal in signals { sigaddset(&set, signal) }
    pthread_sigmask(SIG_BLOCK, &set, nil)
    let (readEnd, writeEnd) = try Pipe.make()
    let blocked = set
    do throws(PosixError) {
      try PosixThread.detach {
        var waitSet = blocked
        while true {
          var signal: Int32 = 0
          if sigwait(&waitSet, &signal) == 0 {
            let byte = UInt8(truncatingIfNeeded: signal)
            withUnsafeBytes(of: byte) { _ = try? writeEnd.writeAll($0, deadline: .never) }
          }
        }
      }
    } catch {
      readEnd.closeIgnoringErrors()
      writeEnd.closeIgnoringErrors()
      throw error
    }
    return SignalWatcher(readEnd: readEnd)
  }

  /// The next signal received, if one is waiting (call when ``readEnd`` is readable).
  public func take() -> Int32? {
    guard let bytes = try? readEnd.readSome(upTo: 1, deadline: .now), let byte = bytes.first else {
      return nil
    }
    return Int32(byte)
  }
}
