import DistPosix
import Glibc

/// Polling for a condition with a bound, the one way tests wait (never a bare sleep).
public enum Wait {
  /// Polls `condition` with a growing delay (1 ms up to 20 ms) until it holds or `seconds` pass; returns
  /// whether it held.
  @discardableResult
  public static func until(seconds: Double = 10, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Deadline.after(milliseconds: Int64(seconds * 1000))
    var delay: UInt32 = 1000
    while !deadline.hasPassed {
      if try condition() { return true }
      usleep(delay)
      delay = min(delay * 2, 20_000)
    }
    return try condition()
  }

  /// Like `until`, but throws a time-out naming `what` when the condition never holds.
  public static func require(
    _ what: @autoclosure () -> String, seconds: Double = 20, _ condition: () throws -> Bool
  ) throws {
    guard try until(seconds: seconds, condition) else {
      throw PosixError.timedOut(operation: "wait for \(what())")
    }
  }
}
