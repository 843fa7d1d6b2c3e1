internal import Glibc
public import SystemPackage

/// What `Poll.wait` reports for one descriptor.
public struct PollEvents: OptionSet, Sendable, Hashable {
  public let rawValue: Int16
  public init(rawValue: Int16) { self.rawValue = rawValue }

  /// Data can be read (or the peer closed: a read then returns 0).
  public static let readable = PollEvents(rawValue: Int16(POLLIN))
  /// Data can be written.
  public static let writable = PollEvents(rawValue: Int16(POLLOUT))
  /// The peer hung up.
  public static let hangUp = PollEvents(rawValue: Int16(POLLHUP))
  /// An error is pending on the descriptor.
  public static let error = PollEvents(rawValue: Int16(POLLERR))
  /// The descriptor is not open.
  public static let invalid = PollEvents(rawValue: Int16(POLLNVAL))
  /// The peer shut down its writing side (stream sockets).
  public static let readHangUp = PollEvents(rawValue: 0x2000)  // POLLRDHUP
}

/// `poll(2)` over a few descriptors with a deadline.
public enum Poll {
  /// Waits until one of `descriptors` has one of its requested events, or until `deadline`.
  ///
  /// - Returns: the events that happened, one entry per descriptor, in order; all empty if the deadline
  ///   passed first.
  public static func wait(
    _ descriptors: [(FileDescriptor, PollEvents)], deadline: Deadline
  ) throws(PosixError) -> [PollEvents] {
    var fds = descriptors.map { pollfd(fd: $0.0.rawValue, events: $0.1.rawValue, revents: 0) }
    while true {
      let count = fds.withUnsafeMutableBufferPointer {
        poll($0.baseAddress, nfds_t($0.count), deadline.pollTimeout)
      }
      if count >= 0 { return fds.map { PollEvents(rawValue: $0.revents) } }
      let code = currentErrno()
      if code == .interrupted { continue }
      throw PosixError.system(operation: "poll", errno: code)
    }
  }

  /// Waits until `descriptor` has one of `events`.
  ///
  /// - Throws: `PosixError.timedOut(operation:)` naming `operation` once `deadline` passes.
  public static func wait(
    for events: PollEvents, on descriptor: FileDescriptor, deadline: Deadline,
    operation: @autoclosure () -> String
  ) throws(PosixError) -> PollEvents {
    while true {
      let got = try wait([(descriptor, events)], deadline: deadline)[0]
      if !got.isEmpty { return got }
      if deadline.hasPassed || deadline.pollTimeout == 0 {
        throw PosixError.timedOut(operation: operation())
      }
    }
  }
}
