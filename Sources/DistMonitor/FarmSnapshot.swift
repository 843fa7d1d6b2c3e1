public import CompilerIdentity
internal import DistState
internal import JSONFormat

/// Everything the web page shows at one moment, rendered as the JSON of `GET /api/state`.
public struct FarmSnapshot: Sendable {
  /// Milliseconds since the epoch.
  public var now: Int64
  /// The history the snapshot is cut from.
  public var history: FarmHistory
  /// The latest statistics of each host polled with `--daemon-stats`, or why polling failed.
  public var stats: [String: Result<DaemonStats, DaemonStatsError>]
  /// `DISTCC_BACKOFF_PERIOD`, in seconds.
  public var backoffPeriod: Int
  /// The state directory watched.
  public var stateDirectory: String
  /// The last scan's warnings, as 3.4 words them.
  public var warnings: [String]
  /// Hosts of the host list with their slot counts, listed even while idle.
  public var configuredHosts: [String: Int]
  /// The daemons zeroconf found (`+zeroconf`), as the discovery cache lists them: `ADDR:PORT/JOBS`.
  public var discovered: [String]
  /// Hosts found to run another compiler than the client's, and when.
  public var mismatches: [CompilerMismatch]
  /// `DISTCC_MISMATCH_PERIOD`, in seconds: how long such a host gets no job with that compiler.
  public var mismatchPeriod: Int

  public init(
    now: Int64, history: FarmHistory, stats: [String: Result<DaemonStats, DaemonStatsError>] = [:],
    backoffPeriod: Int = 60, stateDirectory: String = "", warnings: [String] = [],
    configuredHosts: [String: Int] = [:], discovered: [String] = [],
    mismatches: [CompilerMismatch] = [], mismatchPeriod: Int = 600
  ) {
    self.discovered = discovered
    self.mismatches = mismatches
    self.mismatchPeriod = mismatchPeriod
    self.now = now
    self.history = history
    self.stats = stats
    self.backoffPeriod = backoffPeriod
    self.stateDirectory = stateDirectory
    self.warnings = warnings
    self.configuredHosts = configuredHosts
  }

  /// Every host known from state files, back-off marks or statistics, sorted byte-wise as 3.4 sorts them.
  public var hostNames: [String] {
    let names = Set(history.lanes.keys).union(history.totals.keys).union(history.backedOff.keys)
      .union(stats.keys).union(configuredHosts.keys)
    return names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
  }

  /// The JSON document: `now`, `window`, `hosts` (lanes, totals, back-off, statistics) and the spans that
  /// are open or ended at or after `since` (milliseconds; all spans when `nil`).
  public func json(since: Int64? = nil) -> String {
    let running = history.running
    let hosts = hostNames.map { name -> String in
      let totals = history.totals[name] ?? FarmHistory.HostTotals()
      let backedOffUntil = history.backedOff[name].map { Int64($0 + backoffPeriod) * 1000 }
      var statsJSON: String? = nil
      var statsError: String? = nil
      switch stats[name] {
      case .success(let page)?:
        statsJSON = JSONText.object([
          "capacity": page.capacity.map(JSONText.number), "load1": page.load1.map(JSONText.number),
          "runnable": page.runnable.map(JSONText.number),
          "compiledOK": page.compiledOK.map(JSONText.number),
          "compileErrors": page.compileErrors.map(JSONText.number),
          "recentJobs": page.recentJobs.map(JSONText.number),
        ])
      case .failure(let error)?: statsError = JSONText.quoted("\(error)")
      case nil: break
      }
      return JSONText.object([
        "name": JSONText.quoted(name),
        "slots": JSONText.array(
          (history.lanes[name] ?? []).union((0..<Int32(configuredHosts[name] ?? 0))).sorted().map(
            JSONText.number)),
        "configured": configuredHosts[name] == nil ? "false" : "true",
        "running": JSONText.number(running[name] ?? 0),
        "jobs": JSONText.number(totals.jobs),
        "failures": JSONText.number(totals.failures),
        "backoffs": JSONText.number(totals.backoffs),
        "averageMs": totals.averageMilliseconds.map(JSONText.number),
        "backedOffUntil": backedOffUntil.map(JSONText.number),
        "stats": statsJSON,
        "statsError": statsError,
      ])
    }
    let spans = history.spans(since: since).map { span in
      JSONText.object([
        "id": JSONText.number(span.id), "pid": JSONText.number(span.pid),
        "host": JSONText.quoted(span.host),
        "slot": JSONText.number(span.slot), "phase": JSONText.quoted(span.phase.name),
        "file": JSONText.quoted(span.file), "start": JSONText.number(span.start),
        "end": span.end.map(JSONText.number),
      ])
    }
    let discovered = discovered.map { line in
      let parts = line.split(separator: "/", maxSplits: 1)
      return JSONText.object([
        "host": JSONText.quoted(String(parts[0])),
        "jobs": parts.count == 2 ? Int(parts[1]).map(JSONText.number) : nil,
      ])
    }
    let mismatches = mismatches.map { mismatch in
      JSONText.object([
        "host": JSONText.quoted(mismatch.host),
        "client": JSONText.quoted(mismatch.client.description),
        "clientFingerprint": JSONText.quoted(mismatch.client.fingerprint),
        "server": JSONText.quoted(mismatch.server.description),
        "serverFingerprint": JSONText.quoted(mismatch.server.fingerprint),
        "seen": JSONText.number(Int64(mismatch.seen) * 1000),
        "pausedUntil": JSONText.number(Int64(mismatch.seen + mismatchPeriod) * 1000),
      ])
    }
    return JSONText.object([
      "now": JSONText.number(now), "window": JSONText.number(history.window),
      "discovered": JSONText.array(discovered), "mismatches": JSONText.array(mismatches),
      "backoffPeriod": JSONText.number(backoffPeriod),
      "stateDirectory": JSONText.quoted(stateDirectory),
      "hosts": JSONText.array(hosts), "spans": JSONText.array(spans),
      "warnings": JSONText.array(warnings.map(JSONText.quoted)),
    ])
  }
}
