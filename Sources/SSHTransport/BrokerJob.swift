import DistPosix
internal import Glibc
import SystemPackage

/// One `distcc` process served by the broker: its socket, the channel its job runs on, and the bytes in flight
/// each way (at most one buffer each, so a slow side holds back the other instead of filling memory).
final class BrokerJob {
  enum State {
    /// Reading the hello.
    case hello([UInt8])
    /// Waiting for a channel running `command`.
    case waiting(command: String)
    /// Relaying between the socket and `channel`.
    case relaying(channel: OpaquePointer)
    /// Done: the socket is closed and the channel, if any, handed back.
    case finished
  }

  let client: FileDescriptor
  var state: State = .hello([])
  /// Client bytes not yet accepted by the channel.
  var toRemote: [UInt8] = []
  var toRemoteOffset = 0
  /// Remote bytes not yet written to the client.
  var toClient: [UInt8] = []
  var toClientOffset = 0
  /// The remote command ended its output.
  var remoteEnded = false
  /// The remote command line the job runs (set when it starts relaying).
  var command = ""
  /// Bytes of the remote command's output relayed to the client so far.
  var relayedBytes = 0
  /// The last few kilobytes of the remote command's stderr (read and otherwise dropped).
  var stderrTail: [UInt8] = []
  /// When the remote command was seen to have ended without a byte of reply (a missing command): the job
  /// then waits for the exit status and tells the client why, in band (``SSHBroker``).
  var silentEndSince: Deadline?
  /// The in-band failure has been sent; the job ends when the client closes.
  var failureSent = false

  init(client: FileDescriptor) { self.client = client }

  var channel: OpaquePointer? {
    if case .relaying(let channel) = state { return channel }
    return nil
  }

  var waitingCommand: String? {
    if case .waiting(let command) = state { return command }
    return nil
  }

  var hasPendingWrite: Bool { toRemoteOffset < toRemote.count }
  var hasPendingOutput: Bool { toClientOffset < toClient.count }

  /// Reads what the client sent into `scratch`: the count, 0 at end of file, nil when nothing is there yet,
  /// -1 on an error (the client is gone).
  func readClient(_ scratch: UnsafeMutableRawBufferPointer) -> Int? {
    let count = Glibc.read(client.rawValue, scratch.baseAddress, scratch.count)
    if count >= 0 { return count }
    return errno == EAGAIN || errno == EINTR ? nil : -1
  }

  /// Writes pending remote bytes to the client; false when the client is gone.
  func flushToClient() -> Bool {
    while hasPendingOutput {
      let written = toClient[toClientOffset...].withUnsafeBytes {
        send(client.rawValue, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
      }
      if written > 0 {
        toClientOffset += written
        continue
      }
      return written < 0 && (errno == EAGAIN || errno == EINTR)
    }
    toClient.removeAll(keepingCapacity: true)
    toClientOffset = 0
    return true
  }

  /// Sends a status byte (and a reason) to a client that has not started relaying; best effort.
  func answer(_ status: BrokerWire.Status, reason: String = "") {
    var bytes = [status.rawValue]
    if status == .failed || status == .openSSH {
      bytes += Array(reason.utf8.prefix(BrokerWire.maxReasonLength))
    }
    _ = bytes.withUnsafeBytes {
      send(client.rawValue, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
    }
  }

  /// Keeps the tail of what the remote command wrote to stderr.
  func keepStderr(_ bytes: ArraySlice<UInt8>) {
    stderrTail += bytes
    if stderrTail.count > 4096 { stderrTail.removeFirst(stderrTail.count - 4096) }
  }

  /// Closes the socket; reads what the client sent first, so that it sees our last bytes and end of file
  /// rather than a reset.
  func closeClient() {
    var scratch = [UInt8](repeating: 0, count: 512)
    while Glibc.read(client.rawValue, &scratch, scratch.count) > 0 {}
    client.closeIgnoringErrors()
    state = .finished
  }
}
