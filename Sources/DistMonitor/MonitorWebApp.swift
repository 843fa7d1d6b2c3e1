internal import CompilerIdentity
internal import DistPosix
public import DistState
internal import Glibc  // atoi: DISTCC_BACKOFF_PERIOD is read with C's conversion, as 3.4 does
internal import HostSpec
internal import Synchronization

/// The web monitor: samples the state directory and back-off marks into a `FarmHistory`, keeps the latest
/// daemon statistics, and answers the page's HTTP requests.
///
/// `sampleForever()`, `pollStatsForever()` and the HTTP server each run on a thread of their own; the
/// shared state sits behind one `Mutex`.
public final class MonitorWebApp: Sendable {
  /// What the monitor watches and how.
  public struct Configuration: Sendable {
    public var stateDirectory: StateDirectory
    /// `DISTCC_BACKOFF_PERIOD` in seconds (3.4's default is 60).
    public var backoffPeriod: Int
    /// Daemons whose `--stats` page is polled.
    public var statsSources: [DaemonStatsSource]
    /// Longest pause between two scans, in milliseconds (changes wake the sampler sooner).
    public var sampleInterval: Int64
    /// How often daemon statistics are fetched, in milliseconds.
    public var statsInterval: Int64
    /// How much history is kept, in milliseconds.
    public var window: Int64
    /// The most finished spans kept.
    public var spanLimit: Int
    /// Hosts of the host list and their slot counts, shown even while idle.
    public var configuredHosts: [String: Int]
    /// `DISTCC_MISMATCH_PERIOD` in seconds (default 600): how long the client pauses a host for a compiler
    /// after a compiler mismatch.
    public var mismatchPeriod: Int

    public init(
      stateDirectory: StateDirectory, backoffPeriod: Int = 60,
      statsSources: [DaemonStatsSource] = [],
      sampleInterval: Int64 = 500, statsInterval: Int64 = 2000, window: Int64 = 10 * 60 * 1000,
      spanLimit: Int = 20_000, configuredHosts: [String: Int] = [:], mismatchPeriod: Int = 600
    ) {
      self.stateDirectory = stateDirectory
      self.backoffPeriod = backoffPeriod
      self.mismatchPeriod = mismatchPeriod
      self.statsSources = statsSources
      self.sampleInterval = sampleInterval
      self.statsInterval = statsInterval
      self.window = window
      self.spanLimit = spanLimit
      self.configuredHosts = configuredHosts
    }

    /// Reads `DISTCC_DIR`/`HOME` and `DISTCC_BACKOFF_PERIOD` as 3.4's client does, and the host list
    /// (`DISTCC_HOSTS`, then the host files) if there is one.
    public init(environment: [String: String]) throws(DistStateError) {
      let period = environment["DISTCC_BACKOFF_PERIOD"].map { Int(atoi($0)) } ?? 60
      self.init(
        stateDirectory: try StateDirectory(environment: environment), backoffPeriod: period,
        configuredHosts: Self.hosts(of: try? HostList.load(environment: environment).list),
        mismatchPeriod: max(0, environment["DISTCC_MISMATCH_PERIOD"].map { Int(atoi($0)) } ?? 600))
    }

    /// Host names (as state files name them) and slot counts of a host list.
    static func hosts(of list: HostList?) -> [String: Int] {
      var hosts: [String: Int] = [:]
      for entry in list?.hosts ?? [] {
        let name: String
        switch entry.kind {
        case .localhost: name = "localhost"
        case .tcp(let host, _): name = host
        case .ssh(_, let host, _): name = host
        }
        hosts[name] = max(hosts[name] ?? 0, entry.limit)
      }
      return hosts
    }
  }

  private struct Shared: Sendable {
    var history: FarmHistory
    var stats: [String: Result<DaemonStats, DaemonStatsError>] = [:]
    var warnings: [String] = []
    var discovered: [String] = []
    var mismatches: [CompilerMismatch] = []
  }

  public let configuration: Configuration
  private let shared: Mutex<Shared>

  public init(configuration: Configuration) {
    self.configuration = configuration
    shared = Mutex(
      Shared(history: FarmHistory(window: configuration.window, spanLimit: configuration.spanLimit))
    )
  }

  /// Milliseconds since the epoch.
  public static func currentTime() -> Int64 { WallClock.milliseconds }

  /// Scans the state directory and the back-off marks once (3.4's monitor rules: stale files are deleted).
  /// - Throws: the scan's error when the state directory cannot be created or read.
  public func sample(at now: Int64 = currentTime()) throws(DistStateError) {
    let scan = try configuration.stateDirectory.scan(now: Int(now / 1000))
    let marks = BackoffFile.scan(
      lockDirectory: configuration.stateDirectory.distccDirectory + "/lock")
    let rewriting = Set(
      scan.incompleteFiles.compactMap { path in
        path.split(separator: "/").last.flatMap { Int64($0.dropFirst(StateFile.namePrefix.count)) }
      })
    shared.withLock { shared in
      shared.history.observe(scan.records, rewriting: rewriting, at: now)
      shared.history.observe(marks, at: now, period: configuration.backoffPeriod)
      shared.warnings = scan.warnings.map { "\($0)" }
    }
    sampleFarm()
  }

  /// Reads what the client learned about the farm: the daemons zeroconf found (`$DISTCC_DIR/zeroconf/hosts`,
  /// `ADDR:PORT/JOBS` lines) and the hosts found to run another compiler (``CompilerMismatch``).
  private func sampleFarm() {
    let distccDirectory = configuration.stateDirectory.distccDirectory
    // Zeroconf's `ZeroconfCache.hostsPath` (that module links Avahi's headers; the path is 3.4's).
    let hostsFile = distccDirectory + "/zeroconf/hosts"
    let discovered = ((try? FileContents.read(hostsFile, limit: 1 << 20)) ?? [])
      .split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }
      .filter { !$0.isEmpty }
    let mismatches = CompilerMismatch.all(in: distccDirectory + "/caps")
    shared.withLock { shared in
      shared.discovered = discovered
      shared.mismatches = mismatches
    }
  }

  /// Samples whenever a state file changes (at most every 10 ms) and at least every `sampleInterval`.
  public func sampleForever() throws(DistStateError) -> Never {
    try configuration.stateDirectory.create()
    let watcher = StateWatcher(directory: configuration.stateDirectory.path)
    while true {
      try sample()
      _ = watcher.wait(until: .after(milliseconds: configuration.sampleInterval))
      Sleep.microseconds(10_000)
    }
  }

  /// Fetches every daemon's statistics once.
  public func pollStats() {
    for source in configuration.statsSources {
      let result = Result { () throws(DaemonStatsError) in try source.fetch() }
      shared.withLock { $0.stats[source.host] = result }
    }
  }

  /// Fetches statistics every `statsInterval`, forever.
  public func pollStatsForever() -> Never {
    while true {
      pollStats()
      Sleep.microseconds(Int(configuration.statsInterval) * 1000)
    }
  }

  /// The current picture.
  public func snapshot(at now: Int64 = currentTime()) -> FarmSnapshot {
    shared.withLock { shared in
      FarmSnapshot(
        now: now, history: shared.history, stats: shared.stats,
        backoffPeriod: configuration.backoffPeriod,
        stateDirectory: configuration.stateDirectory.path, warnings: shared.warnings,
        configuredHosts: configuration.configuredHosts, discovered: shared.discovered,
        mismatches: shared.mismatches, mismatchPeriod: configuration.mismatchPeriod)
    }
  }

  /// Answers `GET /` (the page), `GET /api/state[?since=MS]` (JSON) and `GET /healthz`.
  public func handle(_ request: HTTPRequest) -> HTTPResponse {
    guard request.method == "GET" || request.method == "HEAD" else {
      return .text(405, "Method Not Allowed", "only GET and HEAD\n")
    }
    switch request.path {
    case "/", "/index.html":
      return HTTPResponse(
        status: 200, reason: "OK", contentType: "text/html; charset=utf-8",
        body: Array(MonitorPage.html.utf8))
    case "/api/state":
      let since = request.query["since"].flatMap { Int64($0) }
      return HTTPResponse(
        status: 200, reason: "OK", contentType: "application/json",
        body: Array(snapshot().json(since: since).utf8))
    case "/healthz":
      return .text(200, "OK", "ok\n")
    default:
      return .text(404, "Not Found", "not found: \(request.path)\n")
    }
  }
}
