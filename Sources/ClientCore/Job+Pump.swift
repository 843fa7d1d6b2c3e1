import CompilerArgs
import DistPosix
import HostSpec

extension Job {
  /// Whether this job may go out as protocol 3 (so it should not be preprocessed ahead of choosing a host).
  func mayUsePump(_ job: CompileJob, among hosts: [HostEntry]) -> Bool {
    configuration.environment["INCLUDE_SERVER_PORT"] != nil && !job.input.isPreprocessed
      && hosts.contains { $0.protocolVersion == 3 }
  }

  /// The protocol 3 attempt for a `,cpp,lzo` host, or `nil` after 3.4's warning when the job must go out as
  /// protocol 2 (client.md §9). With `DISTCC_FALLBACK=0` under an include server, a job that cannot use pump
  /// mode fails instead of being preprocessed here (3.4 ignores the variable there, distcc issue 574). A job already preprocessed
  /// ahead of the host choice goes out as protocol 2.
  mutating func pumpAttempt(
    _ job: CompileJob, host: HostEntry, ioTimeout: Int, preprocessed: Preprocessor?
  ) throws(ClientError) -> PumpAttempt? {
    guard preprocessed == nil else { return nil }
    let includeServer = IncludeServerClient(configuration: configuration)
    // The call's directory under the async API; the process's otherwise.
    guard let directory = configuration.workingDirectory ?? FileSystem.currentDirectory() else {
      log.warning("cannot get the current directory; preprocessing locally")
      return nil
    }
    do {
      let files = try includeServer.files(
        for: job, workingDirectory: directory, ioTimeout: ioTimeout)
      return PumpAttempt(
        job: job, host: host, configuration: configuration, ioTimeout: ioTimeout,
        workingDirectory: directory, files: files)
    } catch {
      try checkCancellation()
      for line in (error.warning ?? "").split(separator: "\n") { log.warning(String(line)) }
      // Under an include server the user asked for pump mode; without one a `,cpp,lzo` host simply gets
      // protocol 2, as in 3.4.
      if !configuration.fallsBackToLocal, error.warning != nil, includeServer.socketPath != nil {
        log.error(
          "failed to distribute and fallbacks are disabled", function: "dcc_build_somewhere")
        throw .fallbackDisabled(reason: "cannot use pump mode for \(job.input.path)")
      }
      return nil
    }
  }

  /// Counts a pump job that failed remotely and gave another result locally (client.md §8.5).
  func noteDiscrepancy(_ job: CompileJob) {
    let includeServer = IncludeServerClient(configuration: configuration)
    guard includeServer.socketPath != nil else { return }
    if includeServer.noteDiscrepancy() {
      log.warning(
        "now using plain distcc, possibly due to inconsistent file system changes during build")
    }
  }
}
