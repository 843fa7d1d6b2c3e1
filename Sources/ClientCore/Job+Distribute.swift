import CompilerArgs
import CompilerIdentity
import DistPosix
import DistProtocol
import HostSpec
import SystemPackage

/// One job's way through its hosts (client.md §1 steps 8–11), as the states it goes through: **choose** a
/// host (preprocessing first when every slot is busy), **preprocess**, **send and receive**, **write** the
/// output, or **fall back** to a local compile. `Job.distribute` runs the steps; each is a method below.
struct Distribution {
  let job: CompileJob
  let lockDirectory: String
  let backoff: Backoff
  /// Hosts not yet tried by this job (a failed host is not tried again, even without backoff).
  var candidates: [HostEntry]
  /// The host tried last, named when the job falls back.
  var lastHost: HostEntry?
  /// The local preprocessor, started once for all attempts.
  var preprocessor: Preprocessor?

  /// What a step leads to.
  enum Next {
    /// The job has its result.
    case finished(CompileResult)
    /// Try the next host.
    case nextHost
    /// No host can take the job: compile locally (or fail under `DISTCC_FALLBACK=0`).
    case fallBack
  }
}

extension Job {
  /// Tries the job's hosts in the chooser's order until one produces a result.
  mutating func distribute(_ job: CompileJob) throws(ClientError) -> CompileResult {
    guard let list = hostList(), let lockDirectory = compiler.lockDirectory() else {
      return try fallBack(job, after: nil)
    }
    var trip = Distribution(
      job: job, lockDirectory: lockDirectory,
      backoff: Backoff(directory: lockDirectory, period: configuration.backoffPeriod),
      candidates: list.hosts)
    while true {
      try checkCancellation()
      let next: Distribution.Next
      switch try choose(&trip) {
      case .done(let outcome): next = outcome
      case .remote(let reservation):
        defer { reservation.release() }
        next = try compileRemotely(&trip, on: reservation)
      }
      switch next {
      case .finished(let result): return result
      case .nextHost: continue
      case .fallBack: return try fallBack(job, after: trip.lastHost)
      }
    }
  }

  /// What choosing led to: a remote slot, or an end (a local compile under the slot chosen, a preprocessor
  /// that failed while waiting, no host at all).
  private enum Choice {
    case remote(HostReservation)
    case done(Distribution.Next)
  }

  /// **Choose**: reserves a slot among the hosts not backed off. When every slot is busy the source is
  /// preprocessed first, so it is sent the moment one frees and the remote slot never idles through our cpp.
  private mutating func choose(_ trip: inout Distribution) throws(ClientError) -> Choice {
    let job = trip.job
    var available = trip.candidates.filter { !trip.backoff.isBackedOff($0) }
    if available.count < trip.candidates.count {
      log.debug("\(trip.candidates.count - available.count) host(s) backed off")
    }
    available = withoutPausedHosts(available, for: job)
    var free = try compiler.chooser.reserveIfFree(among: available, input: job.input.path)
    if free == nil, trip.preprocessor == nil, !mayUsePump(job, among: available),
      available.contains(where: { $0.kind != .localhost && $0.takesJobs })
    {
      // (Wasted if the slot we get is localhost's.)
      if let failed = try preprocessWhileWaiting(&trip, among: available) {
        return .done(failed)
      }
    }
    if free == nil {
      state.enter(.slotWait)
      free = try compiler.chooser.reserve(among: available, input: job.input.path)
      state.enter(.other)
      // A chooser of the embedder's own may have waited through a cancel.
      if let free, configuration.cancellation?.isCancelled == true {
        free.release()
        throw .cancelled
      }
    }
    guard let reservation = free else { return .done(.fallBack) }
    guard reservation.host.kind != .localhost else {
      defer { reservation.release() }
      localReason = "localhost was chosen from the host list"
      return .done(
        .finished(
          try runLocally(job.arguments, input: job.input, pool: nil, reservation: reservation)))
    }
    return .remote(reservation)
  }

  /// `hosts` without those paused for this job's compiler after a compiler mismatch (``CompilerPauses``).
  private mutating func withoutPausedHosts(_ hosts: [HostEntry], for job: CompileJob) -> [HostEntry]
  {
    guard let pauses = CompilerPauses(configuration: configuration), pauses.anyRecorded,
      let ours = clientIdentity(of: job)
    else { return hosts }
    let kept = hosts.filter { $0.kind == .localhost || !pauses.isPaused($0, for: ours) }
    for host in hosts where !kept.contains(host) {
      log.info("\(host.displayName) is paused for \(ours): it runs another compiler")
    }
    return kept
  }

  /// **Preprocess** ahead of a busy farm; an outcome when that already decides the job.
  private mutating func preprocessWhileWaiting(
    _ trip: inout Distribution, among available: [HostEntry]
  ) throws(ClientError) -> Distribution.Next? {
    log.debug("every slot is busy: preprocessing \(trip.job.input.path) while waiting")
    if directivesOnlyEverywhere(trip, among: available),
      let started = startPreprocessor(
        trip.job, lockDirectory: trip.lockDirectory, directivesOnly: true)
    {
      if let reason = directivesOnlyRejection(started) {
        log.info("\(trip.job.input.path): \(reason); preprocessing it fully")
      } else {
        trip.preprocessor = started
        return nil
      }
    }
    guard let started = startPreprocessor(trip.job, lockDirectory: trip.lockDirectory) else {
      return .fallBack
    }
    trip.preprocessor = started
    let early: Preprocessor.Result
    do { early = try started.finish() } catch {
      log.error(error.description)
      return .fallBack
    }
    guard case .failed(let result) = early else { return nil }
    // cpp failed before any host was involved: what a failed remote preprocessing leads to.
    log.error("preprocessing \(trip.job.input.path) failed")
    return .finished(
      try remoteCompileFailed(
        trip.job, host: nil, result: result, stderr: [], backoff: trip.backoff, markHost: false))
  }

  /// Whether every remote host the job may get announced directives-only preprocessing and the job
  /// would use it with each: then preprocessing ahead of a free slot is done directives-only.
  private mutating func directivesOnlyEverywhere(
    _ trip: Distribution, among available: [HostEntry]
  ) -> Bool {
    guard let store = HostExtensions(configuration: configuration) else { return false }
    let remote = available.filter { $0.kind != .localhost && $0.takesJobs }
    return !remote.isEmpty
      && remote.allSatisfy { host in
        let partial = extensionsWanted(for: host, job: trip.job)
          .intersection(.partialPreprocessing)
        return !partial.isEmpty && store.announced(by: host)?.isSuperset(of: partial) == true
      }
  }

  /// **Send and receive** on the reserved host, then hand the reply on. A transport failure backs the host
  /// off and moves on to the next one.
  private mutating func compileRemotely(_ trip: inout Distribution, on reservation: HostReservation)
    throws(ClientError) -> Distribution.Next
  {
    let job = trip.job
    let host = reservation.host
    let reserved = SmallFile.monotonicMilliseconds()
    guard let ioTimeout = configuration.ioTimeout else {
      let error = ClientError.badEnvironment(
        variable: "DISTCC_IO_TIMEOUT", value: configuration.ioTimeoutText ?? "")
      log.error(error.description)
      throw error
    }
    state.note(
      .connect, .remote, source: job.input.path, host: host.stateName, slot: reservation.slot)
    var version = ProtocolVersion(rawValue: UInt32(host.protocolVersion)) ?? .v1
    var pump: PumpAttempt?
    if version == .v3 {
      pump = try pumpAttempt(job, host: host, ioTimeout: ioTimeout, preprocessed: trip.preprocessor)
      if pump == nil { version = .v2 }
    }
    var attempt = RemoteAttempt(
      job: job, host: host, version: version, configuration: configuration, ioTimeout: ioTimeout)
    let extensionsStore = HostExtensions(configuration: configuration)
    let known = extensionsStore?.announced(by: host)
    attempt.extensions = known.map { extensionsWanted(for: host, job: job).intersection($0) } ?? []
    // Waited for only from a host that may be ours (not from one that lately answered without it); with no
    // store (no `DISTCC_DIR`, or `DISTCC_EXTENSIONS_PERIOD=0`) only a trailer already read is checked.
    attempt.awaitsTrailer = extensionsStore != nil && known != []
    pump?.awaitsTrailer = attempt.awaitsTrailer
    if attempt.extensions.contains(.compilerIdentity) {
      attempt.compilerIdentity = clientIdentity(of: trip.job).map { Array($0.text.utf8) }
      if attempt.compilerIdentity == nil { attempt.extensions.remove(.compilerIdentity) }
    }
    if pump == nil {
      if !attempt.extensions.isDisjoint(with: .partialPreprocessing), trip.preprocessor == nil {
        // The request waits for the directives-only or rewrite preprocessor (its `XREQ` says what the
        // body is): the connection is opened while it runs.
        trip.preprocessor = startPreprocessor(
          job, lockDirectory: trip.lockDirectory, directivesOnly: true)
        if trip.preprocessor != nil { attempt.connectEarly() }
      }
      if !preparePreprocessor(&trip, for: &attempt) {
        attempt.closeEarly()
        trip.lastHost = host
        return .fallBack
      }
    } else {
      attempt.extensions.subtract(.partialPreprocessing)
    }
    let object = ObjectReceiver(path: configuration.resolve(job.output))
    attempt.object = object
    let outcome: RemoteAttempt.Outcome
    do throws(ClientError) {
      if let pump {
        outcome = try pump.run(state: &state, log: log, object: object)
      } else {
        do throws(ClientError) {
          outcome = try attempt.run(preprocessor: trip.preprocessor!, state: &state, log: log)
        } catch  where !attempt.extensions.isEmpty && error.isRefusedExtension {
          // The host announced these once but did not take them now (a 3.4 daemon took its place): forget
          // and try the same host once more with 3.4's request.
          log.info(
            "\(host.displayName) did not take \(attempt.extensions): \(error); retrying without")
          extensionsStore?.forget(host)
          attempt.extensions = []
          // 3.4's request carries 3.4's full preprocessing.
          if trip.preprocessor?.directivesOnly == true { trip.preprocessor = nil }
          guard preparePreprocessor(&trip, for: &attempt), let preprocessor = trip.preprocessor
          else { throw error }
          outcome = try attempt.run(preprocessor: preprocessor, state: &state, log: log)
        }
      }
    } catch {
      reservation.release()
      try checkCancellation()
      compiler.chooser.jobFinished(reservation, outcome: .failed)
      log.error(error.description)
      trip.backoff.mark(host)
      trip.candidates.removeAll { $0 == host }
      trip.lastHost = host
      return .nextHost
    }
    // The host is done with this job: free its slot before anything else (history, object, local retry).
    reservation.release()
    if case .reply(_, let trailer) = outcome {
      extensionsStore?.record(trailer?.extensions, by: host, previously: known)
      compiler.chooser.jobFinished(
        reservation,
        outcome: .completed(milliseconds: SmallFile.monotonicMilliseconds() - reserved))
    }
    return try received(
      outcome, &trip, host: host, version: version, object: object, since: reserved)
  }

  /// The extensions beyond 3.4 this job would use with `host` if it announced them: zstd bodies for a
  /// `,zstd` host, the compiler identity, and partial preprocessing where its options allow it
  /// (``partialPreprocessing(for:)``).
  mutating func extensionsWanted(for host: HostEntry, job: CompileJob) -> Extensions {
    // libzstd is loaded (on first use) only for a `,zstd` host.
    var wanted: Extensions =
      host.options.zstd && Zstd.isAvailable ? [.zstd, .compilerIdentity] : [.compilerIdentity]
    wanted.formUnion(partialPreprocessing(for: job))
    return wanted
  }

  /// How `job` leaves macro expansion to a daemon that announced it: directives-only for gcc
  /// (``DirectivesOnly``), rewritten includes for a verified clang (``RewrittenIncludes``); empty with
  /// `DISTCC_DIRECTIVES_ONLY=0`, an option that makes it inexact, or another compiler.
  mutating func partialPreprocessing(for job: CompileJob) -> Extensions {
    guard configuration.usesDirectivesOnly, let identity = clientIdentity(of: job) else {
      return []
    }
    if identity.family == "gcc" {
      return DirectivesOnly.fallbackReason(for: job) == nil ? .directivesOnly : []
    }
    guard configuration.rewritesClangIncludes,
      RewrittenIncludes.isVerified(family: identity.family, version: identity.version)
    else {
      return []
    }
    return RewrittenIncludes.fallbackReason(for: job) == nil ? .rewrittenIncludes : []
  }

  /// Makes `trip.preprocessor` produce what `attempt` sends: directives-only output when the request asks
  /// for it and the output passed ``DirectivesOnlyOutput`` (the preprocessor is waited for here, so the
  /// request's `XREQ` says what its body is), else 3.4's full output. A directives-only run that failed or
  /// was inexact is discarded without a trace and the job preprocessed again, fully. False after logging
  /// when no preprocessor can be started.
  private mutating func preparePreprocessor(
    _ trip: inout Distribution, for attempt: inout RemoteAttempt
  ) -> Bool {
    if !attempt.extensions.isDisjoint(with: .partialPreprocessing) {
      if trip.preprocessor == nil {
        trip.preprocessor = startPreprocessor(
          trip.job, lockDirectory: trip.lockDirectory, directivesOnly: true)
      }
      if let started = trip.preprocessor, started.directivesOnly {
        if let reason = directivesOnlyRejection(started) {
          log.info("\(trip.job.input.path): \(reason); preprocessing it fully")
          trip.preprocessor = nil
        } else {
          return true
        }
      }
      attempt.extensions.subtract(.partialPreprocessing)
    }
    if trip.preprocessor?.directivesOnly == true { trip.preprocessor = nil }
    if trip.preprocessor == nil {
      trip.preprocessor = startPreprocessor(trip.job, lockDirectory: trip.lockDirectory)
    }
    return trip.preprocessor != nil
  }

  /// Waits for a directives-only preprocessor: why its output cannot be sent, or `nil` (and its held
  /// standard error is relayed).
  private func directivesOnlyRejection(_ preprocessor: Preprocessor) -> String? {
    if preprocessor.isKept { return nil }  // checked while waiting for a slot
    let result: Preprocessor.Result
    do { result = try preprocessor.finish() } catch { return error.description }
    switch result {
    case .failed(let status): return "the directives-only preprocessor failed (\(status))"
    case .success(let output):
      let resolve = configuration.resolve
      let distccDirectory = configuration.distccDirectory
      let rewritten = preprocessor.rewritesIncludes
      if rewritten && preprocessor.wroteErrors {
        return "the -frewrite-includes preprocessor wrote diagnostics"
      }
      let rejection: String?
      do {
        rejection = try output.withBytes { text in
          if rewritten { return RewrittenIncludesOutput.inexactReason(in: text) }
          if let reason = DirectivesOnlyOutput.inexactReason(in: text) { return reason }
          var checked = PragmaFreeFiles(distccDirectory: distccDirectory)
          defer {
            checked.save()
            log.debug(
              "vanishing-pragma check: \(checked.hits) files known clean, \(checked.reads) read")
          }
          return DirectivesOnlyOutput.vanishingPragma(in: text, resolve: resolve, checked: &checked)
        }
      } catch {
        return error.description
      }
      if let rejection { return rejection }
      preprocessor.keep()
      return nil
    }
  }

  /// `job`'s compiler's identity, from `$DISTCC_DIR/identity/` (probed when its files changed), looked up
  /// at most once per job.
  mutating func clientIdentity(of job: CompileJob) -> CompilerIdentity? {
    if let known = knownIdentity { return known }
    var identity: CompilerIdentity? = nil
    if let directory = configuration.distccDirectory, let name = job.serverArguments.first,
      let path = name.contains("/")
        ? name : FileSystem.findExecutable(name, in: configuration.searchPath)
    {
      identity = IdentityCache(distccDirectory: directory).identity(of: path)
    }
    knownIdentity = .some(identity)
    return identity
  }

  /// The compiler mismatch a reply reveals: the host's compiler, named after the reply (``ReplyTrailer``),
  /// is not ours. Nil when it matches, or when either side cannot tell.
  private mutating func mismatch(
    in trailer: ReplyTrailer?, host: HostEntry, job: CompileJob
  ) -> CompilerMismatch? {
    guard let text = trailer?.compilerIdentity, !text.isEmpty,
      let server = CompilerIdentity(text: String(decoding: text, as: UTF8.self)),
      let ours = clientIdentity(of: job), !ours.isCompatible(with: server)
    else { return nil }
    return CompilerMismatch(
      host: host.displayName, client: ours, server: server, seen: WallClock.seconds)
  }

  /// What the host's answer means: a refusal moves on, a failure is reported or retried locally, a
  /// success is **written** (the object `object` streamed is accepted; anything else discards it).
  private mutating func received(
    _ outcome: RemoteAttempt.Outcome, _ trip: inout Distribution, host: HostEntry,
    version: ProtocolVersion, object: ObjectReceiver, since reserved: Int
  ) throws(ClientError) -> Distribution.Next {
    defer { object.discard() }
    try checkCancellation()
    let job = trip.job
    switch outcome {
    case .preprocessorFailed(let result):
      // 3.4 clears the backoff (the server did nothing wrong) and treats this like a failed compile.
      trip.backoff.clear(host)
      log.error("compile \(job.input.path) on \(host.displayName) failed")
      return .finished(
        try remoteCompileFailed(
          job, host: host, result: result, stderr: [], backoff: trip.backoff, markHost: false))
    case .failedWithOutput(let status):
      trip.backoff.clear(host)
      log.error("remote compiler failed but also returned output: I don't know what to do")
      return .finished(
        try remoteCompileFailed(
          job, host: host,
          result: ProcessStatus(rawValue: Int32(bitPattern: status.rawValue)).result,
          stderr: [], backoff: trip.backoff, markHost: true))
    case .reply(let response, let trailer):
      trip.backoff.clear(host)
      if let mismatch = mismatch(in: trailer, host: host, job: job) {
        // Whatever the host answered came from another compiler: nothing of it is used (no object, no
        // output), and this compiler skips the host for a while; the job goes on as after a refusal.
        if PolicyRefusal.reason(in: response) != nil {
          log.warning("\(host.displayName) refused to compile \(job.input.path): \(mismatch.line)")
        } else {
          log.warning(
            "\(host.displayName) compiled \(job.input.path) with another compiler, result discarded: "
              + mismatch.line)
        }
        CompilerPauses(configuration: configuration)?.record(mismatch, host: host)
        trip.candidates.removeAll { $0 == host }
        trip.lastHost = host
        return .nextHost
      }
      ObjectFile.relay(response.stdout, to: configuration.standardOutput)
      if let reason = PolicyRefusal.reason(in: response) {
        log.warning("\(host.displayName) refused to compile \(job.input.path): \(reason)")
        trip.candidates.removeAll { $0 == host }
        trip.lastHost = host
        return .nextHost
      }
      let status = ProcessStatus(rawValue: Int32(bitPattern: response.status.rawValue))
      guard status.result == 0 else {
        report(status, file: job.input.path, host: host.displayName)
        return .finished(
          try remoteCompileFailed(
            job, host: host, result: status.result, stderr: response.stderr,
            backoff: trip.backoff, markHost: true))
      }
      try checkCancellation()
      let objectSize: Int
      do {
        objectSize = try object.accept(response)
        if version == .v3 {
          try PumpAttempt.writeDependencies(response, job: job, configuration: configuration)
        }
      } catch {
        log.error(error.description)
        trip.lastHost = host
        return .fallBack
      }
      ObjectFile.relay(response.stderr, to: configuration.standardError)
      log.info(
        "\(objectSize) bytes from \(job.input.path) compiled on \(host.displayName)")
      log.info("compile \(job.input.path) on \(host.displayName) completed ok")
      log.info(
        "\(job.input.path): compiled on \(host.displayName) (protocol \(version.rawValue)) in "
          + "\(SmallFile.monotonicMilliseconds() - reserved) ms, \(objectSize) bytes back",
        function: "dcc_job_summary")
      return .finished(CompileResult(status: 0, host: host.displayName))
    }
  }

  /// Starts local preprocessing under a cpp slot, or reads an already-preprocessed input. `nil` after logging
  /// when that fails (the job then runs locally, which reports the problem itself).
  private mutating func startPreprocessor(
    _ job: CompileJob, lockDirectory: String, directivesOnly: Bool = false
  ) -> Preprocessor? {
    if job.input.isPreprocessed {
      // A regular file is sent from itself, as 3.4 does: nothing read into memory, nothing copied. Anything
      // else (a FIFO, a device: `fstat` gives no size) is read to its end into a memory file first.
      let source: PreprocessedSource
      do throws(PosixError) {
        let file = try FileDescriptor.open(
          configuration.resolve(job.input.path), .readOnly, options: [.closeOnExec])
        do throws(PosixError) {
          let status = try FileStatus(file)
          source =
            status.kind == .regular
            ? PreprocessedSource(file: file, count: status.size)
            : try PreprocessedSource.copying(file, limit: Preprocessor.outputLimit)
          if status.kind != .regular { file.closeIgnoringErrors() }
        } catch {
          file.closeIgnoringErrors()
          throw error
        }
      } catch {
        log.error("failed to read \(job.input.path): \(error.errno?.message ?? error.description)")
        return nil
      }
      return Preprocessor(preprocessed: source)
    }
    let limit = hostList()?.localSlotsCpp ?? HostList.defaultLocalSlotsCpp
    let slot = reserveLocalSlot(limit: limit, lockDirectory: lockDirectory)
    state.note(.preprocess, .local, host: "localhost", slot: slot?.slot ?? 0)
    let rewritesIncludes = directivesOnly && partialPreprocessing(for: job) == .rewrittenIncludes
    let arguments =
      rewritesIncludes
      ? job.rewriteIncludesPreprocessorArguments
      : directivesOnly ? job.directivesOnlyPreprocessorArguments : job.preprocessorArguments
    log.debug("running preprocessor: \(ClientLog.format(arguments))", function: "dcc_cpp_maybe")
    do {
      let preprocessor = try Preprocessor(
        arguments: arguments, configuration: configuration, directivesOnly: directivesOnly,
        rewritesIncludes: rewritesIncludes)
      preprocessor.slot = slot
      return preprocessor
    } catch {
      slot?.release()
      log.error(error.description)
      return nil
    }
  }

  /// A compile that failed remotely (or whose preprocessor failed): report, or retry locally (client.md §8.3).
  /// `host` is `nil` when the local preprocessor failed before any host was chosen.
  private mutating func remoteCompileFailed(
    _ job: CompileJob, host: HostEntry?, result: Int32, stderr: [UInt8], backoff: Backoff,
    markHost: Bool
  ) throws(ClientError) -> CompileResult {
    let name = host?.displayName ?? "localhost"
    if result < 128 && configuration.skipsLocalRetry {
      ObjectFile.relay(stderr, to: configuration.standardError)
      return CompileResult(status: result, host: name)
    }
    if markHost, let host { backoff.mark(host) }
    guard configuration.fallsBackToLocal else {
      log.error("failed to distribute and fallbacks are disabled", function: "dcc_build_somewhere")
      ObjectFile.relay(stderr, to: configuration.standardError)
      return CompileResult(status: result, host: name)
    }
    log.warning(
      "remote compilation of '\(job.input.path)' failed, retrying locally",
      function: "dcc_build_somewhere")
    let reason =
      "failed to distribute \(job.input.path)\(host.map { " to \($0.displayName)" } ?? "")"
    log.warning(reason + ", running locally instead")
    localReason = "remote compilation failed (\(reason)), retried locally"
    let local = try runLocally(job.arguments, input: job.input, pool: .compile)
    if local.status == result {
      if let host { backoff.clear(host) }
    } else {
      log.warning(
        "remote compilation of '\(job.input.path)' failed, retried locally and got a different result."
      )
      noteDiscrepancy(job)
    }
    return local
  }

  /// No host could take the job: compile locally, or fail with 116 under `DISTCC_FALLBACK=0` (client.md §8.4).
  private mutating func fallBack(_ job: CompileJob, after host: HostEntry?) throws(ClientError)
    -> CompileResult
  {
    let reason =
      host.map { "failed to distribute \(job.input.path) to \($0.displayName)" }
      ?? "failed to distribute"
    guard configuration.fallsBackToLocal else {
      log.error("failed to distribute and fallbacks are disabled", function: "dcc_build_somewhere")
      throw .fallbackDisabled(reason: reason)
    }
    log.warning(
      reason + ", running locally instead", function: host == nil ? "dcc_build_somewhere" : nil)
    localReason = reason
    return try runLocally(job.arguments, input: job.input, pool: .compile)
  }
}

extension ClientError {
  /// How a daemon that does not take a request's extensions answers it: it closes the connection (ours,
  /// reading an extension it does not offer) or derails (3.4, reading a token it does not know).
  var isRefusedExtension: Bool {
    switch self {
    case .connectionLost, .protocolError: true
    default: false
    }
  }
}
