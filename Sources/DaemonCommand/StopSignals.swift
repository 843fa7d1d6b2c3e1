import DistPosix
import ServerCore
import Synchronization

/// The signals that stop `distccd`, mapped onto ``Server/shutdown(gracePeriod:)``: SIGTERM lets jobs in
/// flight finish within `--shutdown-grace`, SIGINT and SIGHUP stop at once (3.4's meanings). The library
/// handles no signals; this executable-level watcher blocks them process-wide (before any server thread
/// starts) and takes them on a thread of its own.
final class StopSignals: Sendable {
  private let received = Mutex<Int32?>(nil)

  /// The first stopping signal received, which the daemon then dies by, as 3.4 does.
  var signal: Int32? { received.withLock { $0 } }

  /// Starts watching for `server`; call before ``Server/run(listeners:)``.
  init(for server: Server) throws(PosixError) {
    let watcher = try SignalWatcher.start([Signals.terminate, Signals.interrupt, Signals.hangUp])
    try PosixThread.detach { [self] in
      while true {
        _ = try? Poll.wait([(watcher.readEnd, .readable)], deadline: .never)
        guard let signal = watcher.take() else { continue }
        let first = self.received.withLock { value in
          if value == nil { value = signal }
          return value == signal
        }
        guard first else { continue }
        server.logger.log(.info, Signals.description(of: signal))
        server.shutdown(gracePeriod: signal == Signals.terminate ? nil : 0)
      }
    }
  }
}
