import DistPosix
import DistProtocol
import SystemPackage

extension JobService {
  /// The wait status reported when a compiler's own was lost: exit code 1.
  static let lostStatus: UInt32 = 1 << 8

  /// Step 3: waits for the compiler, watching the client socket and `--job-lifetime`; kills the process
  /// group (SIGTERM, then SIGKILL) when the client goes away or time runs out.
  /// `watchClient`: `client` is a socket (not a pipe), whose closing can be seen.
  func waitForCompiler(_ process: SpawnedProcess, client: FileDescriptor, watchClient: Bool)
    -> CompilerRun
  {
    let lifetime: Deadline =
      configuration.jobLifetime > 0 ? .after(seconds: configuration.jobLifetime) : .never
    var fds: [(FileDescriptor, PollEvents)] = [(process.child.pidfd, .readable)]
    if watchClient { fds.append((client, .readable)) }
    let nothing = [PollEvents](repeating: [], count: fds.count)
    while true {
      let tick = Deadline.after(milliseconds: 1000).earlier(lifetime)
      let revents = (try? Poll.wait(fds, deadline: tick)) ?? nothing
      // The pidfd turns readable once the compiler has exited: reaping it then does not block. If the
      // status is gone anyway (reaped by someone else), the job failed: never spin on a readable pidfd.
      if !revents[0].isEmpty {
        return .exited(WaitStatus(rawValue: process.reapExited() ?? Self.lostStatus))
      }
      if watchClient, revents.last.map({ !$0.isEmpty }) == true {
        if Socket.peerHasClosed(client) {
          kill(process)
          return .clientGone
        }
        Socket.discardPending(client)  // bytes after the request: ignore them, don't spin
      }
      if lifetime.hasPassed {
        kill(process)
        return .timedOut
      }
    }
  }

  private func kill(_ process: SpawnedProcess) {
    process.signalGroup(Signals.terminate)
    let grace = Deadline.after(seconds: 2)
    while !grace.hasPassed {
      if process.reap(blocking: false) != nil { return }
      _ = try? Poll.wait([(process.child.pidfd, .readable)], deadline: .after(milliseconds: 50))
    }
    process.signalGroup(Signals.kill)
    _ = process.reap(blocking: true)
  }
}
