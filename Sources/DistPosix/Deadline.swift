internal import Glibc

/// A point in time on the monotonic clock by which an operation must finish.
///
/// Every blocking read, write, connect and wait in swift-distcc takes one, so that a stalled peer costs only
/// the job it belongs to. `Deadline.never` waits forever.
public struct Deadline: Sendable, Hashable, Comparable {
  /// Nanoseconds on `CLOCK_MONOTONIC`; `Int64.max` for `never`.
  public let nanoseconds: Int64

  public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

  /// A deadline that never passes.
  public static let never = Deadline(nanoseconds: .max)

  /// The monotonic clock now.
  public static var now: Deadline {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Deadline(nanoseconds: Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec))
  }

  /// The deadline `milliseconds` from now (never, if `milliseconds` is negative).
  public static func after(milliseconds: Int64) -> Deadline {
    guard milliseconds >= 0 else { return .never }
    let (sum, overflow) = now.nanoseconds.addingReportingOverflow(milliseconds * 1_000_000)
    return overflow ? .never : Deadline(nanoseconds: sum)
  }

  /// The deadline `seconds` from now (never, if `seconds` is negative).
  public static func after(seconds: Int) -> Deadline {
    after(milliseconds: Int64(seconds) * 1000)
  }

  /// Whether the deadline is in the past.
  public var hasPassed: Bool { self != .never && Deadline.now >= self }

  /// Milliseconds left, rounded up, for `poll(2)`: -1 for `never`, 0 once passed, capped at `Int32.max`.
  public var pollTimeout: Int32 {
    if self == .never { return -1 }
    let left = nanoseconds - Deadline.now.nanoseconds
    if left <= 0 { return 0 }
    return Int32(clamping: (left + 999_999) / 1_000_000)
  }

  /// The earlier of two deadlines.
  public func earlier(_ other: Deadline) -> Deadline { Swift.min(self, other) }

  public static func < (lhs: Deadline, rhs: Deadline) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
}
