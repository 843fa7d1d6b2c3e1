import DistPosix
public import HostSpec

/// distcc 3.4's host choice (client.md §6.3): for slot 0, 1, 2, …, try each host in list order whose limit
/// exceeds the slot; the first lock file that can be locked wins. When every slot is busy, sleep
/// `pauseMilliseconds` and start again, for as long as it takes.
public struct LockFileHostChooser: HostChooser, CancellableChooser {
  /// The directory of the `cpu_*` lock files, `$DISTCC_DIR/lock`.
  public var lockDirectory: String
  /// The sleep between rounds (`DISTCC_PAUSE_TIME_MSEC`, default 1000).
  public var pauseMilliseconds: Int
  /// Called once per round in which nothing was free (3.4 logs `nothing available, sleeping Nms...`).
  public var onWait: (@Sendable (Int) -> Void)?
  /// The async call this chooser waits for (set per call): its cancellation ends a wait at once.
  var cancellation: CompileCancellation?

  /// A chooser locking slots under `lockDirectory`, sleeping `pauseMilliseconds` between rounds when all
  /// are busy and calling `onWait` with that pause before each sleep.
  public init(
    lockDirectory: String, pauseMilliseconds: Int = 1000, onWait: (@Sendable (Int) -> Void)? = nil
  ) {
    self.lockDirectory = lockDirectory
    self.pauseMilliseconds = pauseMilliseconds
    self.onWait = onWait
  }

  /// Takes the first free slot in host-list order, 3.4's way.
  public func reserve(among hosts: [HostEntry], input: String) throws(ClientError)
    -> HostReservation?
  {
    let usable = hosts.filter(\.takesJobs)
    guard !usable.isEmpty else { return nil }
    let maximum = min(usable.map(\.limit).max() ?? 0, 10_000)
    while true {
      for slot in 0..<maximum {
        for host in usable where host.limit > slot {
          if let lock = try SlotLock.tryLock(lockDirectory + "/" + host.lockName(slot: slot)) {
            return HostReservation(host: host, slot: slot, lock: lock)
          }
        }
      }
      try CompileCancellation.check(cancellation)
      onWait?(pauseMilliseconds)
      if pauseMilliseconds > 0 {
        try CompileCancellation.pause(microseconds: pauseMilliseconds * 1000, unless: cancellation)
      }
    }
  }

  /// Takes one of the first `limit` local slots (`cpu_localhost_N`), waiting while all are busy: the
  /// `--localslots` pool for local compiles, `--localslots_cpp` for preprocessing (client.md §6.4).
  public func reserveLocal(limit: Int) throws(ClientError) -> HostReservation? {
    try reserve(
      among: [HostEntry(kind: .localhost, limit: limit, displayName: "localhost")], input: "")
  }
}
