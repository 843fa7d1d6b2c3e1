/// What the scheduler remembers about one host: a moving average of recent job times and recent failures.
package struct HostRecord: Sendable, Equatable {
  /// Exponentially weighted average of recent job times (slot taken → result), in milliseconds.
  package var averageMilliseconds: Double
  /// Number of timed jobs folded into the average (capped).
  package var samples: Int
  /// Failures since the last success.
  package var failures: Int
  /// Wall-clock second of the last failure, 0 if none.
  package var lastFailure: Int

  package init(
    averageMilliseconds: Double = 0, samples: Int = 0, failures: Int = 0, lastFailure: Int = 0
  ) {
    self.averageMilliseconds = averageMilliseconds
    self.samples = samples
    self.failures = failures
    self.lastFailure = lastFailure
  }

  /// Weight of a new sample; the first sample is taken as is.
  static let weight = 0.3

  /// Folds in a completed job.
  mutating func recordCompletion(milliseconds: Int) {
    let sample = Double(max(0, milliseconds))
    averageMilliseconds =
      samples == 0 ? sample : averageMilliseconds + HostRecord.weight * (sample - averageMilliseconds)
    samples = min(samples + 1, 1_000_000)
    failures = 0
  }

  /// Notes a failed attempt at wall-clock second `now`.
  mutating func recordFailure(now: Int) {
    failures = min(failures + 1, 1000)
    lastFailure = now
  }
}
