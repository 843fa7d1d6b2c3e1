import DistPosix

/// `--idle-exit`: whether the accept loop has gone a number of seconds without an open connection.
///
/// The loop wakes at ``nextCheck`` (once a second while connections are open, so that the idle time
/// counts from when the last one closed, not from when it was last seen) and asks ``expired(openConnections:)``.
struct IdleTimer {
  /// Seconds without connections before the daemon exits; 0 = never.
  let seconds: Int
  private var idleSince = Deadline.now
  private var busy = false

  init(seconds: Int) { self.seconds = seconds }

  /// When the loop must look again; never when the timer is off.
  var nextCheck: Deadline {
    guard seconds > 0 else { return .never }
    if busy { return .after(milliseconds: 1000) }
    return Deadline(nanoseconds: idleSince.nanoseconds + Int64(seconds) * 1_000_000_000)
  }

  /// Whether `seconds` have passed since the last connection closed or was accepted.
  mutating func expired(openConnections: Int) -> Bool {
    guard seconds > 0 else { return false }
    if openConnections > 0 {
      noteActivity()
      busy = true
      return false
    }
    if busy {
      busy = false
      idleSince = .now
    }
    return Deadline.now.nanoseconds - idleSince.nanoseconds >= Int64(seconds) * 1_000_000_000
  }

  /// A connection was accepted now.
  mutating func noteActivity() {
    idleSince = .now
    busy = true
  }
}
