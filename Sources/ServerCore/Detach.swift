/// Leaving the terminal without `fork`: the daemon re-spawns itself in a new session
/// (`posix_spawn` with `POSIX_SPAWN_SETSID`, stdio on `/dev/null`) and the original process exits.
public enum Detach {
  /// Starts `executable` with `arguments` (argv[0] included) and `environment` (`K=V`) in a new session.
  /// - Returns: the new process's pid.
  public static func respawnInNewSession(
    executable: String, arguments: [String], environment: [String]
  ) throws(ServerError) -> Int32 {
    let request = SpawnedProcess.Request(
      executable: executable, arguments: arguments.map { Array($0.utf8) }, environment: environment,
      standardOutput: .path("/dev/null"), standardError: .path("/dev/null"), newSession: true)
    switch SpawnedProcess.spawn(request) {
    case .success(let process): return process.pid
    case .failure(let errno): throw .detachFailed(reason: "\(errno)")
    }
  }
}
