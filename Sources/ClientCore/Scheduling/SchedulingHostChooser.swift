internal import Glibc
public import HostSpec

/// A host chooser that keeps every machine busy (issue #9), while sharing 3.4's `cpu_*` lock files, so a
/// real distcc client beside it gets its fair share of slots:
///
/// - slots are tried in `HostRanking` order: faster, less loaded, recently healthy hosts first, from a
///   per-host history in `$DISTCC_DIR/sched/history` and, where the daemon serves `--stats`, its load;
/// - while every slot is busy it polls again after a few randomized milliseconds (`SlotWait`), not 3.4's
///   second, for remote slots and for the local `cpu_localhost_N` pools alike;
/// - `jobFinished` feeds each job's time and failures back into the history.
public struct SchedulingHostChooser: HostChooser {
  /// The directory of the `cpu_*` lock files, `$DISTCC_DIR/lock`.
  public var lockDirectory: String
  /// The scheduler's own files, `$DISTCC_DIR/sched`; `nil` keeps no history and asks no daemon for load.
  public var stateDirectory: String?
  /// Whether daemons' stats pages are read.
  public var readsDaemonLoad: Bool
  /// The pauses while every slot is busy.
  public var wait: SlotWait
  /// The ranking rules.
  public var ranking: HostRanking

  public init(
    lockDirectory: String, stateDirectory: String?, readsDaemonLoad: Bool = true,
    wait: SlotWait = SlotWait(), ranking: HostRanking = HostRanking()
  ) {
    self.lockDirectory = lockDirectory
    self.stateDirectory = stateDirectory
    self.readsDaemonLoad = readsDaemonLoad
    self.wait = wait
    self.ranking = ranking
  }

  /// The history file.
  var historyPath: String? { stateDirectory.map { $0 + "/history" } }

  public func reserve(among hosts: [HostEntry], input: String) throws(ClientError)
    -> HostReservation?
  {
    let usable = hosts.filter { !$0.options.down && $0.limit > 0 }
    guard !usable.isEmpty else { return nil }
    if let stateDirectory { _ = mkdir(stateDirectory, 0o777) }
    let history = historyPath.map(HostHistory.load) ?? HostHistory()
    let loads =
      readsDaemonLoad && usable.count > 1
      ? stateDirectory.map { HostLoadProbe(directory: $0).loads(of: usable) } ?? [:] : [:]
    let order = ranking.candidates(usable, history: history, loads: loads, now: SmallFile.now())
    return try firstFree(order.map { ($0.host, $0.slot) })
  }

  public func reserveLocal(limit: Int) throws(ClientError) -> HostReservation? {
    let local = HostEntry(kind: .localhost, limit: limit, displayName: "localhost")
    guard limit > 0 else { return nil }
    return try firstFree((0..<min(limit, 10_000)).map { (local, $0) })
  }

  public func jobFinished(_ reservation: HostReservation, outcome: HostOutcome) {
    guard let stateDirectory, let historyPath else { return }
    _ = mkdir(stateDirectory, 0o777)
    HostHistory.update(historyPath, host: reservation.host) { record in
      switch outcome {
      case .completed(let milliseconds): record.recordCompletion(milliseconds: milliseconds)
      case .failed: record.recordFailure(now: SmallFile.now())
      }
    }
  }

  /// Locks the first free slot of `order`, polling with `wait`'s pauses while none is free.
  private func firstFree(_ order: [(HostEntry, Int)]) throws(ClientError) -> HostReservation {
    var wait = self.wait
    while true {
      for (host, slot) in order {
        if let lock = try SlotLock.tryLock(lockDirectory + "/" + host.lockName(slot: slot)) {
          return HostReservation(host: host, slot: slot, lock: lock)
        }
      }
      wait.pause()
    }
  }
}
