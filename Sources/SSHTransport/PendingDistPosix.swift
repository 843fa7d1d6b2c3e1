// Stand-in for DistPosix's `Deadline` until DistPosix lands on main; removed at that merge.
internal import Glibc

/// A point in time on `CLOCK_MONOTONIC` by which an operation must finish.
public struct Deadline: Sendable, Comparable {
  var nanoseconds: Int64

  /// No deadline at all.
  public static var never: Deadline { Deadline(nanoseconds: .max) }

  /// `milliseconds` from now.
  public static func after(milliseconds: Int64) -> Deadline {
    Deadline(nanoseconds: now() &+ milliseconds &* 1_000_000)
  }

  /// Whether the deadline is in the past.
  public var hasPassed: Bool { nanoseconds != .max && Self.now() >= nanoseconds }

  /// Milliseconds left, for `poll(2)`: -1 for never, 0 if passed.
  public var pollTimeout: Int32 {
    if nanoseconds == .max { return -1 }
    let left = (nanoseconds - Self.now() + 999_999) / 1_000_000
    return Int32(clamping: max(0, left))
  }

  public static func < (a: Deadline, b: Deadline) -> Bool { a.nanoseconds < b.nanoseconds }

  static func now() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
  }
}
