import CompilerArgs
import DistPosix
import DistProtocol
import HostSpec
import SystemPackage

/// The state of one `DistributedCompiler.compile` call.
struct Job {
  let compiler: DistributedCompiler
  var state: JobState
  private var hosts: HostList?
  /// Why the job ran on this machine, when it did (the async API's `CompilePlacement.local`).
  var localReason: String?

  init(compiler: DistributedCompiler) {
    self.compiler = compiler
    state = JobState(configuration: compiler.configuration)
  }

  var configuration: ClientConfiguration { compiler.configuration }
  var log: ClientLog { compiler.log }

  /// The host list, loaded at most once per job once it loads. A list that fails to load is read (and
  /// warned about) again when asked again, as 3.4 does: its no-host warning appears before and after
  /// `failed to distribute`, and scripts match that output.
  mutating func hostList() -> HostList? {
    if let hosts { return hosts }
    hosts = compiler.loadHosts()
    return hosts
  }

  mutating func run(_ original: [String]) throws(ClientError) -> CompileResult {
    if configuration.safeguardLevel - (configuration.pathWasTrimmed ? 1 : 0) > 0 {
      log.log(.critical, ClientError.recursion.description, function: "main")
      throw .recursion
    }
    guard let first = original.first else { throw .missingOperand }
    let expansion = PreprocessorOptions.expand(original)
    if expansion.missingDependencyFile {
      log.warning("'-Wp,-MD' or '-Wp,-MMD' option is missing filename argument")
    }
    if configuration.safeguardLevel > 0 {
      localReason = "distcc called itself (recursion guard)"
      return try runLocally(expansion.arguments, input: nil, pool: nil)
    }
    if first.hasPrefix("-") {
      log.error(ClientError.unrecognizedOption(first).description)
      throw .unrecognizedOption(first)
    }
    var scan = ArgumentScanner.scan(expansion.arguments)
    if case .distributable(let job) = scan, let option = job.sideFileOption {
      scan = .local(.sideFiles(option: option))
    }
    switch scan {
    case .local(let reason):
      log.info(reason.description, function: "dcc_scan_args")
      localReason = reason.description
      let command = rewrite(expansion.arguments)
      return try runLocally(
        command, input: nil, pool: reason.usesPreprocessorSlots ? .preprocessor : .compile)
    case .distributable(var job):
      job.arguments = rewrite(job.arguments)
      job.pinsDependencyTarget = !expansion.dependencyFileForPreprocessor
      if job.outputWasAppended {
        log.info(
          "no visible output file, going to add \"-o \(job.output)\" at end",
          function: "dcc_scan_args")
      }
      log.info("compile from \(job.input.path) to \(job.output)")
      return try distribute(job)
    }
  }

  /// Compiler-name rewriting (client.md §3.4), with its info lines.
  func rewrite(_ command: [String]) -> [String] {
    guard configuration.rewritesCompilerNames else { return command }
    let rewriter = CompilerNameRewriter(
      searchPath: configuration.searchPath, buildTriple: configuration.buildTriple)
    let (rewritten, notes) = rewriter.rewrite(command)
    for note in notes { log.info(note) }
    return rewritten
  }

  // MARK: Local execution

  /// Local slot pools (client.md §6.4).
  enum LocalPool { case compile, preprocessor }

  /// Runs `command` here with the client's standard streams (client.md §10), under a local slot of `pool`
  /// (none when `pool` is nil, as under the recursion guard, or when the lock directory is unusable).
  mutating func runLocally(
    _ command: [String], input: SourceFile?, pool: LocalPool?, reservation: HostReservation? = nil
  ) throws(ClientError) -> CompileResult {
    try checkCancellation()
    var held = reservation
    if held == nil, let pool, let directory = compiler.lockDirectory() {
      let list = hostList()
      let limit =
        pool == .compile
        ? (list?.localSlots ?? HostList.defaultLocalSlots)
        : (list?.localSlotsCpp ?? HostList.defaultLocalSlotsCpp)
      state.enter(.slotWait)
      held = reserveLocalSlot(limit: limit, lockDirectory: directory)
      state.enter(.other)
    }
    defer { held?.release() }
    try checkCancellation()
    let name = input?.path ?? ArgumentScanner.firstSource(in: command) ?? command.first ?? ""
    if pool != nil || reservation != nil {
      state.note(.compile, .local, source: name, host: "localhost", slot: held?.slot ?? 0)
    }
    let child: ChildProcess
    do {
      child = try Spawn.start(command, configuration: configuration)
    } catch {
      log.error(error.description, function: "dcc_execvp")
      throw error
    }
    let status: ProcessStatus
    do {
      status = try Spawn.settle(child, configuration: configuration)
    } catch {
      throw .system(operation: "waitpid", path: nil, errno: (error.errno ?? .ioError).rawValue)
    }
    try checkCancellation()
    report(status, file: name, host: "localhost")
    return CompileResult(status: status.result, host: nil)
  }

  /// Throws `.cancelled` once the async API's task is cancelled.
  func checkCancellation() throws(ClientError) {
    try CompileCancellation.check(configuration.cancellation)
  }

  /// The chooser for the local pools (`cpu_localhost_N`), logging each wait as 3.4 does.
  func localChooser(_ directory: String) -> LockFileHostChooser {
    let log = self.log
    var chooser = LockFileHostChooser(
      lockDirectory: directory, pauseMilliseconds: configuration.pauseMilliseconds,
      onWait: { log.info("nothing available, sleeping \($0)ms...", function: "dcc_lock_pause") })
    chooser.cancellation = configuration.cancellation
    return chooser
  }

  /// 3.4's `dcc_critique_status` lines.
  func report(_ status: ProcessStatus, file: String, host: String) {
    if let signal = status.signal {
      log.error("compile \(file) on \(host): \(signalName(signal))")
    } else if let code = status.exitCode, code != 0 {
      log.error("compile \(file) on \(host) failed" + (code == 1 ? "" : " with exit code \(code)"))
    } else {
      log.info("compile \(file) on \(host) completed ok")
    }
  }

  func signalName(_ signal: Int32) -> String { Signals.description(of: signal) }
}

extension ArgumentScanner {
  /// The first argument with a source extension, for naming local jobs in logs and state files.
  static func firstSource(in command: [String]) -> String? {
    command.dropFirst().first { !$0.hasPrefix("-") && SourceFile(path: $0) != nil }
  }
}
