/// How the LZO and zstd decoders size an output buffer whose final length they do not know: 8× the input
/// (as 3.4 does for LZO, at least 4 KiB), then doubling, but never by more than ``maxStep`` at once and
/// never beyond the caller's limit. Each size is reserved from the decoder's ``ByteBudget`` first.
enum BodyGrowth {
  /// The largest single growth: past 64 MiB a buffer grows by 64 MiB at a time, so a bomb is refused after
  /// at most one step beyond what the cap and the budget allow.
  static let maxStep = 64 << 20

  /// The first capacity for `inputCount` compressed bytes.
  static func initialCapacity(forInput inputCount: Int, limit: Int) -> Int {
    let (product, overflow) = inputCount.multipliedReportingOverflow(by: 8)
    return min(limit, maxStep, max(overflow ? Int.max : product, 4096))
  }

  /// The capacity after `capacity` (which is below `limit`) proved too small.
  static func grown(_ capacity: Int, limit: Int) -> Int {
    min(limit, capacity + min(capacity, maxStep))
  }
}
