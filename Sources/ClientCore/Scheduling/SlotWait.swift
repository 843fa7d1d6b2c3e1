import DistPosix

/// How a client waits while every slot it may use is busy: short randomized pauses that grow from
/// `initialMilliseconds` to `maximumMilliseconds`, instead of 3.4's fixed one-second sleep
/// (`DISTCC_PAUSE_TIME_MSEC`). Randomizing spreads the retries of many clients woken by the same release.
package struct SlotWait: Sendable, Equatable {
  /// The first pause's upper bound.
  package var initialMilliseconds: Int
  /// The largest pause.
  package var maximumMilliseconds: Int
  /// The current pause's upper bound.
  package private(set) var currentMilliseconds: Int

  package init(initialMilliseconds: Int = 2, maximumMilliseconds: Int = 50) {
    self.initialMilliseconds = max(1, initialMilliseconds)
    self.maximumMilliseconds = max(self.initialMilliseconds, maximumMilliseconds)
    currentMilliseconds = self.initialMilliseconds
  }

  /// The next pause in microseconds, uniformly in `[current/2, current]`; the bound then grows by half.
  package mutating func nextPauseMicroseconds(using generator: inout some RandomNumberGenerator)
    -> Int
  {
    let upper = currentMilliseconds * 1000
    let pause = Int.random(in: (upper / 2)...upper, using: &generator)
    currentMilliseconds = min(
      maximumMilliseconds, currentMilliseconds + (currentMilliseconds + 1) / 2)
    return pause
  }
}
