import DistPosix
public import HostSpec

/// Picks a host for a job and holds one of its slots until the job is done.
///
/// `LockFileHostChooser` is distcc 3.4's scheme; a smarter scheduler (load-aware, in-process slot tables for
/// build tools that run many jobs in one process) can replace it through `DistributedCompiler`.
public protocol HostChooser: Sendable {
  /// Reserves a slot on one of `hosts` (hosts in backoff already removed), waiting while every slot is busy.
  /// - Parameters:
  ///   - hosts: candidates in the host list's order.
  ///   - input: the job's input file, for schedulers that care.
  /// - Returns: the reservation, or `nil` when none of `hosts` can ever be chosen (all `,down` or limit ≤ 0).
  /// - Throws: `ClientError.system` when slot state cannot be read or written.
  func reserve(among hosts: [HostEntry], input: String) throws(ClientError) -> HostReservation?

  /// Like `reserve`, but returns `nil` at once when no slot is free right now (or none can ever be chosen),
  /// so the caller can do useful work (preprocess) before it waits. The default waits like `reserve`.
  func reserveIfFree(among hosts: [HostEntry], input: String) throws(ClientError)
    -> HostReservation?

  /// Reserves one of the first `limit` local slots (`cpu_localhost_N`), waiting while all are busy: the
  /// `--localslots` pool for local compiles, `--localslots_cpp` for preprocessing (client.md §6.4).
  /// The default takes no slot (`nil`).
  func reserveLocal(limit: Int) throws(ClientError) -> HostReservation?

  /// Tells the chooser how a job on a reserved host went, once its slot is free again.
  /// The default ignores it.
  func jobFinished(_ reservation: HostReservation, outcome: HostOutcome)
}

/// How a job on a chosen host ended, as far as host choice cares.
public enum HostOutcome: Sendable, Equatable {
  /// The host answered; the job took this long from slot reserved to reply.
  case completed(milliseconds: Int)
  /// The host could not be used (connection, protocol or I/O failure).
  case failed
}

extension HostChooser {
  /// Waits like `reserve`.
  public func reserveIfFree(among hosts: [HostEntry], input: String) throws(ClientError)
    -> HostReservation?
  {
    try reserve(among: hosts, input: input)
  }
  /// Takes no local slot.
  public func reserveLocal(limit: Int) throws(ClientError) -> HostReservation? { nil }
  /// Ignores the outcome.
  public func jobFinished(_ reservation: HostReservation, outcome: HostOutcome) {}
}

/// A slot held on a host; the slot is free again when `release()` is called or the reservation is dropped.
public struct HostReservation: Sendable {
  /// The chosen host.
  public var host: HostEntry
  /// The 0-based slot number.
  public var slot: Int
  /// The lock that holds the slot, if the chooser uses lock files.
  public var lock: SlotLock?
  /// The directory of the `WakeWord` files (`$DISTCC_DIR/sched`) bumped when the slot is released, so that
  /// a client waiting for a slot wakes at once; `nil`: nobody is told.
  public var wakeDirectory: String?

  /// A reservation of `slot` on `host`, held by `lock`; releasing it bumps the wake files in `wakeDirectory`.
  public init(host: HostEntry, slot: Int, lock: SlotLock?, wakeDirectory: String? = nil) {
    self.host = host
    self.slot = slot
    self.lock = lock
    self.wakeDirectory = wakeDirectory
  }

  /// The wake-up file of the clients waiting for remote slots.
  static func remoteWakeFile(in directory: String) -> String { directory + "/wake" }
  /// The wake-up file of the clients waiting for local slots (`cpu_localhost_N`).
  static func localWakeFile(in directory: String) -> String { directory + "/wake_local" }

  /// Frees the slot and wakes a client that may want it: one waiting for a remote slot (they all want the
  /// same kind), and, for a `cpu_localhost_N` slot, which serves the local compile pool, the cpp pool and
  /// `localhost` in a host list alike, every client waiting for a local one (few, with different limits).
  public func release() {
    guard let lock, lock.isHeld else { return }
    lock.release()
    guard let wakeDirectory else { return }
    (try? WakeWord(path: Self.remoteWakeFile(in: wakeDirectory), create: false))?.bump()
    if host.kind == .localhost {
      (try? WakeWord(path: Self.localWakeFile(in: wakeDirectory), create: false))?.bump(
        waking: .max)
    }
  }
}
