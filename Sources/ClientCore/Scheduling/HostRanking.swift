package import HostSpec

/// The order in which a scheduling client tries slots: cheapest expected finish first.
///
/// A host's expected job time is its history's moving average (a host never timed counts as a little faster
/// than the fastest known one, so every host gets tried), times a penalty for failures in the last minute, times its machine's
/// slowdown from the stats page. Slot `s` costs `time × (1 + slotPenalty × s)`: among equal hosts the first
/// slot of every host comes before the second of any (3.4's spreading), while a host twice as fast fills
/// its second slot before a slow host's first. Ties keep list order (so `--randomize` still spreads clients).
package struct HostRanking: Sendable {
  /// One slot to try.
  package struct Candidate: Sendable, Equatable {
    package var host: HostEntry
    package var slot: Int
    package var cost: Double
  }

  /// Extra cost of each further slot on a host, relative to its first.
  package var slotPenalty = 0.25
  /// How long a failure keeps counting, in seconds.
  package var failureMemory = 60

  package init() {}

  /// The expected job time on `host` in milliseconds (1 when nothing is known about any host).
  package func expectedMilliseconds(
    _ host: HostEntry, history: HostHistory, loads: [String: HostLoad], now: Int
  ) -> Double {
    let known = history.records.values.filter { $0.samples > 0 }.map(\.averageMilliseconds)
    let fallback = max(1, 0.9 * (known.min() ?? 1))
    let record = history[host]
    var time = record.flatMap { $0.samples > 0 ? max(1, $0.averageMilliseconds) : nil } ?? fallback
    if let record, record.failures > 0, now - record.lastFailure < failureMemory {
      time *= 1 + 2 * Double(min(record.failures, 4))
    }
    if let load = loads[HostHistory.key(host)] { time *= load.slowdown }
    return time
  }

  /// Every usable slot of `hosts` (not `,down`, below its limit, at most 10 000), cheapest first.
  package func candidates(
    _ hosts: [HostEntry], history: HostHistory, loads: [String: HostLoad] = [:], now: Int
  ) -> [Candidate] {
    var result: [(Candidate, Int)] = []
    for (index, host) in hosts.enumerated() where host.takesJobs {
      let time = expectedMilliseconds(host, history: history, loads: loads, now: now)
      for slot in 0..<min(host.limit, 10_000) {
        let cost = time * (1 + slotPenalty * Double(slot))
        result.append((Candidate(host: host, slot: slot, cost: cost), index))
      }
    }
    result.sort { a, b in
      if a.0.cost != b.0.cost { return a.0.cost < b.0.cost }
      if a.0.slot != b.0.slot { return a.0.slot < b.0.slot }
      return a.1 < b.1
    }
    return result.map(\.0)
  }
}
