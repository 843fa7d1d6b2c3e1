public import DistState

/// What the monitor remembers of the farm: every phase of every job seen in the state files, as spans on
/// a lane per host and slot, for a bounded time window, plus running totals per host.
///
/// Fed with successive scans (`observe(_:at:)`); each change of a client's host, slot, phase or file closes
/// its current span and opens another. A client whose record disappears has finished its job. A job seen on
/// a remote host that then moves to another remote host, or compiles on `localhost`, failed on that host.
public struct FarmHistory: Sendable {
  /// One phase of one job on one lane.
  public struct Span: Sendable, Hashable {
    /// Increases with every span opened, so pollers can ask for what changed.
    public var id: Int
    public var pid: Int64
    public var host: String
    public var slot: Int32
    public var phase: Phase
    public var file: String
    /// Milliseconds since the epoch.
    public var start: Int64
    /// `nil` while the phase lasts.
    public var end: Int64?
  }

  /// Totals for one host since the monitor started.
  public struct HostTotals: Sendable, Hashable {
    /// Jobs finished on the host (for `localhost`: jobs compiled locally, fallbacks included).
    public var jobs = 0
    /// Jobs that left the host to compile locally.
    public var failures = 0
    /// Times a client marked the host as backed off.
    public var backoffs = 0
    /// Sum of the finished jobs' times on the host, from their first phase there to the end.
    public var totalMilliseconds: Int64 = 0
    public init(jobs: Int = 0, failures: Int = 0, backoffs: Int = 0, totalMilliseconds: Int64 = 0) {
      self.jobs = jobs
      self.failures = failures
      self.backoffs = backoffs
      self.totalMilliseconds = totalMilliseconds
    }

    /// The mean job time, if any job finished.
    public var averageMilliseconds: Int64? { jobs > 0 ? totalMilliseconds / Int64(jobs) : nil }
  }

  private struct Job: Sendable {
    var started: Int64
    var remoteHost: String?
    var remoteStarted: Int64 = 0
    var fellBack = false
  }

  /// How long closed spans are kept, in milliseconds.
  public let window: Int64
  /// The most closed spans kept, whatever their age (bounds memory and the page's drawing work).
  public let spanLimit: Int

  private var nextID = 1
  private var open: [Int64: Span] = [:]
  private var closed: [Span] = []
  private var closedStart = 0
  private var jobs: [Int64: Job] = [:]
  private var backoffMarks: [String: Int] = [:]
  /// Totals by host name.
  public private(set) var totals: [String: HostTotals] = [:]
  /// Every host and slot seen, by host name.
  public private(set) var lanes: [String: Set<Int32>] = [:]
  /// Active back-off marks by host name: the time the host was last marked, in seconds.
  public private(set) var backedOff: [String: Int] = [:]

  /// An empty history keeping `window` milliseconds and at most `spanLimit` closed spans.
  public init(window: Int64 = 10 * 60 * 1000, spanLimit: Int = 20_000) {
    self.window = window
    self.spanLimit = spanLimit
  }

  /// Jobs running now, by host (the remote host of jobs in flight; `localhost` for local work).
  public var running: [String: Int] {
    open.values.reduce(into: [:]) { counts, span in counts[span.host, default: 0] += 1 }
  }

  /// The spans still open, then the closed ones that ended at or after `since` (all when `nil`), oldest first.
  public func spans(since: Int64? = nil) -> [Span] {
    let recent = closed[closedStart...].filter { since == nil || ($0.end ?? .max) >= since! }
    return recent + open.values.sorted { $0.id < $1.id }
  }

  /// Records a scan's accepted records (phase `done` and orphans are not jobs in flight) taken at `now`.
  /// Clients in `rewriting` (whose files were caught empty or short) keep their current span.
  public mutating func observe(_ records: [StateRecord], rewriting: Set<Int64> = [], at now: Int64)
  {
    var seen = rewriting
    for record in records where record.phase != .done {
      guard seen.insert(record.pid).inserted || rewriting.contains(record.pid) else { continue }
      let host = record.hostName
      let file = record.fileName
      if let span = open[record.pid], span.host == host, span.slot == record.slot,
        span.phase == record.phase,
        span.file == file
      {
        continue
      }
      close(record.pid, at: now)
      open[record.pid] = Span(
        id: nextID, pid: record.pid, host: host, slot: record.slot, phase: record.phase, file: file,
        start: now)
      nextID += 1
      lanes[host, default: []].insert(record.slot)
      note(job: record.pid, on: host, phase: record.phase, at: now)
    }
    for pid in open.keys where !seen.contains(pid) {
      close(pid, at: now)
      finish(job: pid, at: now)
    }
    prune(now: now)
  }

  /// Records the back-off marks found at `now` (milliseconds); a mark newer than the last one seen for its
  /// host counts as one back-off. `period` is `DISTCC_BACKOFF_PERIOD` in seconds.
  public mutating func observe(_ marks: [BackoffFile], at now: Int64, period: Int) {
    var active: [String: Int] = [:]
    for mark in marks {
      let isActive = mark.isActive(now: Int(now / 1000), period: period)
      let previous = backoffMarks[mark.host]
      // A newer mark is a new back-off; at start-up only a mark still in force counts.
      if previous.map({ mark.markedAt > $0 }) ?? isActive {
        totals[mark.host, default: HostTotals()].backoffs += 1
      }
      backoffMarks[mark.host] = max(previous ?? mark.markedAt, mark.markedAt)
      if isActive { active[mark.host] = max(active[mark.host] ?? 0, mark.markedAt) }
    }
    backedOff = active
  }

  private mutating func note(job pid: Int64, on host: String, phase: Phase, at now: Int64) {
    var job = jobs[pid] ?? Job(started: now)
    if host != "localhost" {
      if let previous = job.remoteHost, previous != host, !job.fellBack {
        // the client gave up on it and retried
        totals[previous, default: HostTotals()].failures += 1
      }
      if job.remoteHost != host {
        job.remoteHost = host
        job.remoteStarted = now
        job.fellBack = false
      }
    } else if phase == .compile, let remote = job.remoteHost, !job.fellBack {
      job.fellBack = true
      totals[remote, default: HostTotals()].failures += 1
    }
    jobs[pid] = job
  }

  private mutating func finish(job pid: Int64, at now: Int64) {
    guard let job = jobs.removeValue(forKey: pid) else { return }
    if let remote = job.remoteHost, !job.fellBack {
      totals[remote, default: HostTotals()].jobs += 1
      totals[remote, default: HostTotals()].totalMilliseconds += now - job.remoteStarted
    } else {
      totals["localhost", default: HostTotals()].jobs += 1
      totals["localhost", default: HostTotals()].totalMilliseconds += now - job.started
    }
  }

  private mutating func close(_ pid: Int64, at now: Int64) {
    guard var span = open.removeValue(forKey: pid) else { return }
    span.end = now
    closed.append(span)
  }

  private mutating func prune(now: Int64) {
    while closedStart < closed.count,
      closed.count - closedStart > spanLimit || (closed[closedStart].end ?? now) < now - window
    {
      closedStart += 1
    }
    if closedStart > 4096 && closedStart * 2 > closed.count {
      closed.removeFirst(closedStart)
      closedStart = 0
    }
  }
}
