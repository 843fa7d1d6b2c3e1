import DistPosix
public import HostSpec

/// A host chooser that keeps every machine busy (issue #9), while sharing 3.4's `cpu_*` lock files, so a
/// real distcc client beside it gets its fair share of slots:
///
/// - slots are tried in `HostRanking` order: faster, less loaded, recently healthy hosts first, from a
///   per-host history in `$DISTCC_DIR/sched/history` and, where the daemon serves `--stats`, its load;
/// - while every slot is busy it sleeps until a client of ours frees one (a `WakeWord` in
///   `$DISTCC_DIR/sched`, bumped on every release) or, for slots a 3.4 client holds, until a few randomized
///   milliseconds have passed (`SlotWait`), never 3.4's whole second; remote slots and the local
///   `cpu_localhost_N` pools alike;
/// - `reserveIfFree` lets the job preprocess while it waits, so it is ready to send the moment a slot frees;
/// - `jobFinished` feeds each job's time and failures back into the history.
public struct SchedulingHostChooser: HostChooser, CancellableChooser {
  /// The directory of the `cpu_*` lock files, `$DISTCC_DIR/lock`.
  public var lockDirectory: String
  /// The scheduler's own files, `$DISTCC_DIR/sched`; `nil` keeps no history and asks no daemon for load.
  public var stateDirectory: String?
  /// Whether daemons' stats pages are read.
  public var readsDaemonLoad: Bool
  /// The pauses while every slot is busy.
  package var wait: SlotWait
  /// The ranking rules.
  package var ranking: HostRanking
  /// Called once when a reservation starts waiting because every slot is busy (for 3.4's log line).
  public var onWait: (@Sendable () -> Void)?
  /// The async call this chooser waits for (set per call): its cancellation ends a wait within one pause.
  var cancellation: CompileCancellation?

  /// A chooser keeping its state under `lockDirectory` (slots, backoff) and `stateDirectory` (host history).
  /// - Parameters:
  ///   - readsDaemonLoad: whether hosts' load announcements are read.
  ///   - onWait: called each time the chooser starts waiting because every slot is busy.
  public init(
    lockDirectory: String, stateDirectory: String?, readsDaemonLoad: Bool = true,
    onWait: (@Sendable () -> Void)? = nil
  ) {
    self.init(
      lockDirectory: lockDirectory, stateDirectory: stateDirectory,
      readsDaemonLoad: readsDaemonLoad,
      wait: SlotWait(), ranking: HostRanking(), onWait: onWait)
  }

  /// A chooser with its own wait and ranking parameters (tests, benchmarks).
  package init(
    lockDirectory: String, stateDirectory: String?, readsDaemonLoad: Bool = true,
    wait: SlotWait, ranking: HostRanking = HostRanking(),
    onWait: (@Sendable () -> Void)? = nil
  ) {
    self.lockDirectory = lockDirectory
    self.stateDirectory = stateDirectory
    self.readsDaemonLoad = readsDaemonLoad
    self.wait = wait
    self.ranking = ranking
    self.onWait = onWait
  }

  /// The history file.
  var historyPath: String? { stateDirectory.map { $0 + "/history" } }

  /// Reserves the best-ranked free slot among `hosts`, waiting (woken by releases) while all are busy.
  public func reserve(among hosts: [HostEntry], input: String) throws(ClientError)
    -> HostReservation?
  {
    guard let order = ranked(hosts) else { return nil }
    return try firstFree(order, wakeFile: wakePath(.remote))
  }

  /// Reserves the best-ranked free slot among `hosts`, or returns `nil` at once when none is free.
  public func reserveIfFree(among hosts: [HostEntry], input: String) throws(ClientError)
    -> HostReservation?
  {
    guard let order = ranked(hosts) else { return nil }
    return try firstFree(order, wakeFile: wakePath(.remote), waits: false)
  }

  /// Every usable slot of `hosts`, cheapest first; `nil` when none can ever be chosen.
  private func ranked(_ hosts: [HostEntry]) -> [(HostEntry, Int)]? {
    let usable = hosts.filter(\.takesJobs)
    guard !usable.isEmpty else { return nil }
    if usable.count == 1 {
      // One host: every ranking tries its slots in order (a slot's cost grows with its number whatever
      // the host's record says), so there is no history or load to read.
      let host = usable[0]
      return (0..<min(host.limit, 10_000)).map { (host, $0) }
    }
    if let stateDirectory { _ = FileSystem.makeDirectory(stateDirectory) }
    let history = historyPath.map(HostHistory.load) ?? HostHistory()
    let loads =
      readsDaemonLoad && usable.count > 1
      ? stateDirectory.map { HostLoadProbe(directory: $0).loads(of: usable) } ?? [:] : [:]
    let order = ranking.candidates(usable, history: history, loads: loads, now: SmallFile.now())
    return order.map { ($0.host, $0.slot) }
  }

  /// Reserves one of the first `limit` `cpu_localhost_N` slots, waiting while all are busy.
  public func reserveLocal(limit: Int) throws(ClientError) -> HostReservation? {
    let local = HostEntry(kind: .localhost, limit: limit, displayName: "localhost")
    guard limit > 0 else { return nil }
    return try firstFree((0..<min(limit, 10_000)).map { (local, $0) }, wakeFile: wakePath(.local))
  }

  /// Records the job's time or failure in the host history.
  public func jobFinished(_ reservation: HostReservation, outcome: HostOutcome) {
    guard let stateDirectory, let historyPath else { return }
    _ = FileSystem.makeDirectory(stateDirectory)
    HostHistory.update(historyPath, host: reservation.host) { record in
      switch outcome {
      case .completed(let milliseconds): record.recordCompletion(milliseconds: milliseconds)
      case .failed: record.recordFailure(now: SmallFile.now())
      }
    }
  }

  /// The two pools whose releases wake different sleepers.
  enum Pool { case remote, local }

  /// The wake-up file of `pool`, `nil` without a state directory.
  func wakePath(_ pool: Pool) -> String? {
    stateDirectory.map {
      pool == .remote
        ? HostReservation.remoteWakeFile(in: $0) : HostReservation.localWakeFile(in: $0)
    }
  }

  /// Locks the first free slot of `order`. While none is free, sleeps on `wakeFile` (woken by our clients'
  /// releases) for at most `wait`'s next pause (3.4 clients wake nobody), then looks again; returns `nil`
  /// instead when `waits` is false.
  private func firstFree(_ order: [(HostEntry, Int)], wakeFile: String?, waits: Bool = true)
    throws(ClientError) -> HostReservation?
  {
    var wait = self.wait
    var generator = SystemRandomNumberGenerator()
    var word: WakeWord?
    var waiting = false
    while true {
      let generation = word?.generation ?? 0
      for (host, slot) in order {
        if let lock = try SlotLock.tryLock(lockDirectory + "/" + host.lockName(slot: slot)) {
          return HostReservation(host: host, slot: slot, lock: lock, wakeDirectory: stateDirectory)
        }
      }
      guard waits else { return nil }
      try CompileCancellation.check(cancellation)
      if !waiting {
        waiting = true
        onWait?()
        if let wakeFile, let stateDirectory {
          _ = FileSystem.makeDirectory(stateDirectory)
          word = try? WakeWord(path: wakeFile)
          // Mapped only now: look once more before the first sleep, under the generation read first.
          continue
        }
      }
      let pause = wait.nextPauseMicroseconds(using: &generator)
      if let word {
        // Shared with other processes, so a cancel does not bump it: a cancellable call sleeps on it in
        // pieces of at most 50 ms and checks for the cancel between them, and scans the slots again only
        // when the word changed or the whole pause is over (not on every piece).
        var left = pause
        while left > 0 && word.generation == generation {
          let piece = cancellation == nil ? left : min(left, 50_000)
          word.wait(unchangedFrom: generation, microseconds: piece)
          left -= piece
          try CompileCancellation.check(cancellation)
        }
      } else {
        try CompileCancellation.pause(microseconds: pause, unless: cancellation)
      }
    }
  }
}
