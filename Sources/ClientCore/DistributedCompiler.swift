import CompilerArgs
import DistPosix
public import DistProtocol
public import HostSpec

/// Runs one compiler command the way distcc 3.4's client does (client.md §1): scan it, choose a host, preprocess
/// locally, compile remotely, write the output atomically, and fall back to a local compile when the job cannot
/// or should not be distributed (§8.3's decision table).
///
/// ```swift
/// let configuration = try ClientConfiguration(environment: environment)
/// let result = try DistributedCompiler(configuration: configuration).compile(["gcc", "-c", "x.c"])
/// ```
public struct DistributedCompiler: Sendable {
  /// The settings every job uses.
  public var configuration: ClientConfiguration
  /// Picks hosts for distributable jobs (3.4's lock-file scheme by default).
  public var chooser: any HostChooser
  /// Where log lines go.
  public var log: ClientLog

  /// - Parameters:
  ///   - configuration: parsed environment.
  ///   - chooser: host choice; default per `configuration.scheduler`: `SchedulingHostChooser`, or
  ///     `LockFileHostChooser` with `DISTCC_SCHEDULER=3.4`.
  ///   - log: default `ClientLog(configuration:)`.
  public init(
    configuration: ClientConfiguration, chooser: (any HostChooser)? = nil, log: ClientLog? = nil
  ) {
    self.configuration = configuration
    let log = log ?? ClientLog(configuration: configuration)
    self.log = log
    self.chooser =
      chooser ?? configuration.scheduler.defaultChooser(configuration: configuration, log: log)
  }
}

extension ClientConfiguration.Scheduler {
  /// The chooser this setting selects.
  func defaultChooser(configuration: ClientConfiguration, log: ClientLog) -> any HostChooser {
    switch self {
    case .adaptive:
      SchedulingHostChooser(
        lockDirectory: configuration.lockDirectory ?? "/nonexistent",
        stateDirectory: configuration.distccDirectory.map { $0 + "/sched" },
        readsDaemonLoad: configuration.environment["DISTCC_SCHEDULER_STATS"] != "0",
        onWait: {
          log.info("nothing available, waiting for a free slot", function: "dcc_lock_pause")
        })
    case .lockFiles:
      LockFileHostChooser(
        lockDirectory: configuration.lockDirectory ?? "/nonexistent",
        pauseMilliseconds: configuration.pauseMilliseconds,
        onWait: { log.info("nothing available, sleeping \($0)ms...", function: "dcc_lock_pause") })
    }
  }
}

extension DistributedCompiler {
  /// Compiles `command` (compiler name first, e.g. `["gcc", "-c", "x.c"]`), here or elsewhere.
  ///
  /// - Returns: the compiler's result; a compiler that fails is a result, not an error.
  /// - Throws: `ClientError.recursion`, `.unrecognizedOption`, `.badEnvironment`, `.compilerMissing`, or
  ///   `.fallbackDisabled` when `DISTCC_FALLBACK=0` and no host could take the job.
  public func compile(_ command: [String]) throws(ClientError) -> CompileResult {
    var job = Job(compiler: self)
    defer { job.state.remove() }
    return try job.run(command)
  }

  /// Makes sure the lock directory exists (creating `$DISTCC_DIR` or `~/.distcc` first when missing, see
  /// ``DistccDirectory``); `nil` after one logged line if it cannot be made.
  func lockDirectory() -> String? {
    guard let top = configuration.distccDirectory, let lock = configuration.lockDirectory else {
      return nil
    }
    do { try DistccDirectory.prepare(top) } catch {
      log.error(error.description, function: "dcc_mkdir")
      return nil
    }
    if let code = FileSystem.makeDirectory(lock), code != .fileExists {
      log.error("mkdir '\(lock)' failed: \(code.message)", function: "dcc_mkdir")
      return nil
    }
    return lock
  }

  /// Finds and parses the host list, logging its warnings; `nil` (after logging why) when there is none.
  func loadHosts() -> HostList? {
    do {
      var (list, _) = try HostList.load(
        environment: configuration.environment, systemFile: configuration.systemHostsFile)
      for warning in list.warnings { log.warning(warning.description) }
      guard let withDiscovered = insertingDiscoveredHosts(into: list) else { return nil }
      list = withDiscovered
      var generator = SystemRandomNumberGenerator()
      list = list.randomized(using: &generator)
      return list
    } catch {
      let warning = error.clientWarning
      log.warning(warning.text, function: warning.function)
      return nil
    }
  }
}

extension DistributedCompiler {
  /// The host list as `--show-hosts` and `-j` use it (randomized if it says `--randomize`); `nil` after
  /// logging why when there is none.
  public func hostList() -> HostList? { loadHosts() }

  /// Each host of the list with the seconds left of its backoff (nil: available) and the extensions it
  /// announced within `DISTCC_EXTENSIONS_PERIOD` (nil: none known, as for a 3.4 daemon), for
  /// `--show-backoff`: beyond 3.4, whose `--show-hosts` output scripts parse and which therefore stays
  /// exactly 3.4's.
  public func backoffStates() -> [(host: HostEntry, secondsLeft: Int?, extensions: Extensions?)]? {
    guard let list = loadHosts() else { return nil }
    let backoff = configuration.lockDirectory.map {
      Backoff(directory: $0, period: configuration.backoffPeriod)
    }
    let announcements = HostExtensions(configuration: configuration)
    return list.hosts.map { ($0, backoff?.secondsLeft($0), announcements?.announced(by: $0)) }
  }
}
