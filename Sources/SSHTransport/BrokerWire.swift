/// The few bytes a `distcc` process and its connection broker (``SSHBroker``) exchange on the broker's
/// UNIX-domain socket before the job's own bytes flow, unchanged, in both directions.
///
/// Client → broker: ``hello`` (8 bytes), the remote command line's length (4 bytes, big-endian), the command
/// line. Broker → client: one ``Status`` byte; after `ready` the socket carries the job, after `failed` (or
/// `openSSH`) a one-line reason up to end of file, after `retry` nothing (the broker is going away: start a new
/// one).
enum BrokerWire {
  static let hello: [UInt8] = Array("DCSSHB1\n".utf8)
  /// The longest remote command line a hello may carry.
  static let maxCommandLength = 4096
  /// The longest failure reason read back.
  static let maxReasonLength = 4096

  enum Status: UInt8 {
    case ready = 0
    case failed = 1
    case retry = 2
    /// The session needs OpenSSH's own client (``SSHError/needsOpenSSH(host:reason:)``); the reason follows.
    case openSSH = 3
  }

  /// The hello for a job running `commandLine` on the remote host.
  static func helloBytes(commandLine: String) -> [UInt8] {
    let command = Array(commandLine.utf8)
    let length = UInt32(command.count)
    return hello + [
      UInt8(length >> 24), UInt8((length >> 16) & 0xff), UInt8((length >> 8) & 0xff),
      UInt8(length & 0xff),
    ] + command
  }

  /// What a hello read so far says.
  enum Parsed: Equatable {
    case incomplete
    case command(String)
    case malformed
  }

  static func parse(_ bytes: [UInt8]) -> Parsed {
    let headerLength = hello.count + 4
    let prefix = min(bytes.count, hello.count)
    guard bytes[..<prefix].elementsEqual(hello[..<prefix]) else { return .malformed }
    guard bytes.count >= headerLength else { return .incomplete }
    let length = bytes[hello.count..<headerLength].reduce(0) { $0 << 8 | Int($1) }
    guard length <= maxCommandLength else { return .malformed }
    guard bytes.count >= headerLength + length else { return .incomplete }
    guard bytes.count == headerLength + length else { return .malformed }  // a client waits for the status
    return .command(String(decoding: bytes[headerLength...], as: UTF8.self))
  }
}
