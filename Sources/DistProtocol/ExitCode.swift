/// distcc 3.4's own exit and result codes (`src/exitcode.h`, client.md §14, daemon.md §9), used by both
/// sides: the client's and the daemon's exit statuses, the `ret:` of the daemon's job summary and the
/// statuses the daemon sends in `STAT` for jobs that did not run.
///
/// A compile's normal result is the compiler's own status; these numbers start at 100 so they do not clash
/// with it. ``policyRefusal`` is ours, not 3.4's.
public enum ExitCode: Int32, Sendable, CustomStringConvertible {
  /// `EXIT_DISTCC_FAILED`: general failure; the daemon's `ret:` for a job it will not run.
  case distccFailed = 100
  /// `EXIT_BAD_ARGUMENTS`: bad options or environment.
  case badArguments = 101
  /// `EXIT_BIND_FAILED`: the daemon cannot bind or listen.
  case bindFailed = 102
  /// `EXIT_CONNECT_FAILED`: connecting failed (`accept` in the daemon).
  case connectFailed = 103
  /// `EXIT_COMPILER_CRASHED`: not used by 3.4.
  case compilerCrashed = 104
  /// `EXIT_OUT_OF_MEMORY`: allocation, fork or detach failure.
  case outOfMemory = 105
  /// `EXIT_BAD_HOSTSPEC`: a bad or missing host list.
  case badHostSpec = 106
  /// `EXIT_IO_ERROR`: an I/O error, a vanished client, an unusable `TMPDIR`.
  case ioError = 107
  /// `EXIT_TRUNCATED`: end of file in the middle of a message.
  case truncated = 108
  /// `EXIT_PROTOCOL_ERROR`: a malformed message.
  case protocolError = 109
  /// `EXIT_COMPILER_MISSING`: the compiler could not be executed (also the `STAT` of such a job).
  case compilerMissing = 110
  /// `EXIT_RECURSION`: distcc called itself.
  case recursion = 111
  /// `EXIT_SETUID_FAILED`: the daemon could not drop root.
  case setuidFailed = 112
  /// `EXIT_ACCESS_DENIED`: the peer is not allowed.
  case accessDenied = 113
  /// `EXIT_BUSY`: in use by another process (a slot).
  case busy = 114
  /// `EXIT_NO_SUCH_FILE`: a file (the hosts file) is absent.
  case noSuchFile = 115
  /// `EXIT_NO_HOSTS`: no usable host (the client, with `DISTCC_FALLBACK=0`); the daemon's `ret:` when it
  /// has no room for a job.
  case noHosts = 116
  /// `EXIT_GONE`: no longer relevant (a stale state file).
  case gone = 117
  /// `EXIT_TIMEOUT`: a timeout; the `STAT` of a job past `--job-lifetime`.
  case timeout = 118
  /// `EXIT_GSSAPI_FAILED`: GSS-API failure.
  case gssapiFailed = 119
  /// `EXIT_LOCAL_CPP`: 3.4's internal marker for `-E` jobs; never an exit status.
  case localPreprocessor = 120
  /// Ours, not 3.4's: the `STAT` exit code of a job the daemon refuses by policy. At least 128, so that a
  /// 3.4 client compiles locally whatever its settings (client.md §8.3).
  case policyRefusal = 150

  /// The wait status of a process that exited with this code.
  public var waitStatus: WaitStatus { .exited(UInt8(rawValue)) }

  /// 3.4's name (`EXIT_DISTCC_FAILED`, …).
  public var description: String {
    switch self {
    case .distccFailed: "EXIT_DISTCC_FAILED"
    case .badArguments: "EXIT_BAD_ARGUMENTS"
    case .bindFailed: "EXIT_BIND_FAILED"
    case .connectFailed: "EXIT_CONNECT_FAILED"
    case .compilerCrashed: "EXIT_COMPILER_CRASHED"
    case .outOfMemory: "EXIT_OUT_OF_MEMORY"
    case .badHostSpec: "EXIT_BAD_HOSTSPEC"
    case .ioError: "EXIT_IO_ERROR"
    case .truncated: "EXIT_TRUNCATED"
    case .protocolError: "EXIT_PROTOCOL_ERROR"
    case .compilerMissing: "EXIT_COMPILER_MISSING"
    case .recursion: "EXIT_RECURSION"
    case .setuidFailed: "EXIT_SETUID_FAILED"
    case .accessDenied: "EXIT_ACCESS_DENIED"
    case .busy: "EXIT_BUSY"
    case .noSuchFile: "EXIT_NO_SUCH_FILE"
    case .noHosts: "EXIT_NO_HOSTS"
    case .gone: "EXIT_GONE"
    case .timeout: "EXIT_TIMEOUT"
    case .gssapiFailed: "EXIT_GSSAPI_FAILED"
    case .localPreprocessor: "EXIT_LOCAL_CPP"
    case .policyRefusal: "policy refusal (swift-distcc)"
    }
  }
}
