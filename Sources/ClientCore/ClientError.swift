import DistPosix
public import DistProtocol
import SystemPackage

/// Why the client could not do what it was asked; each case names the culprit.
///
/// A compiler that exits non-zero is a result (`CompileResult`), not an error. `exitCode` maps each case onto
/// distcc 3.4's codes (client.md §14) for executables that want them.
public enum ClientError: Error, Sendable, Equatable, CustomStringConvertible {
  /// No command was given (`distcc` alone).
  case missingOperand
  /// The compiler name starts with `-` after the invocation mode was decided.
  case unrecognizedOption(String)
  /// `_DISTCC_SAFEGUARD` says distcc is calling itself.
  case recursion
  /// A numeric environment variable has an unusable value.
  case badEnvironment(variable: String, value: String)
  /// No host list could be found or parsed, or every host is backed off.
  case noHosts(reason: String)
  /// `DISTCC_FALLBACK=0` and the job could not be distributed.
  case fallbackDisabled(reason: String)
  /// The compiler could not be started.
  case compilerMissing(name: String, reason: String)
  /// A system call failed.
  case system(operation: String, path: String?, errno: Int32)
  /// Connecting to a host failed or timed out.
  case connectFailed(host: String, reason: String)
  /// A read or write on a host's connection timed out (`DISTCC_IO_TIMEOUT`).
  case timedOut(host: String, operation: String)
  /// The connection closed or broke mid-job.
  case connectionLost(host: String, reason: String)
  /// The host's reply broke the protocol.
  case protocolError(host: String, reason: String)
  /// The host's daemon refused the job by policy (our daemon's marked `SERR`).
  case refusedByPolicy(host: String, reason: String)
  /// The async API's task was cancelled: the job stopped, its slots freed, no object written.
  case cancelled

  /// The one-line message distcc 3.4 prints for this error.
  public var description: String {
    switch self {
    case .missingOperand: "missing option/operand"
    case .unrecognizedOption(let option): "unrecognized distcc option: \(option)"
    case .recursion: "distcc seems to have invoked itself recursively!"
    case .badEnvironment(let variable, let value): "bad \(variable) value: \(value)"
    case .noHosts(let reason): reason
    case .fallbackDisabled(let reason): "failed to distribute and fallbacks are disabled: \(reason)"
    case .compilerMissing(let name, let reason): "failed to exec \(name): \(reason)"
    case .system(let operation, let path?, let code):
      "\(operation) \(path) failed: \(Errno(rawValue: code).message)"
    case .system(let operation, nil, let code):
      "\(operation) failed: \(Errno(rawValue: code).message)"
    case .connectFailed(let host, let reason): "failed to connect to \(host): \(reason)"
    case .timedOut(let host, let operation): "IO timeout \(operation) \(host)"
    case .connectionLost(let host, let reason): "connection to \(host) lost: \(reason)"
    case .protocolError(let host, let reason): "protocol error from \(host): \(reason)"
    case .refusedByPolicy(let host, let reason): "\(host) refused the job: \(reason)"
    case .cancelled: "compile cancelled"
    }
  }

  /// distcc 3.4's exit code for this error (client.md §14).
  public var exitCode: ExitCode {
    switch self {
    case .missingOperand, .unrecognizedOption, .badEnvironment: .badArguments
    case .recursion: .recursion
    case .noHosts, .fallbackDisabled: .noHosts
    case .compilerMissing: .compilerMissing
    case .system: .ioError
    case .connectFailed: .connectFailed
    case .timedOut: .timeout
    case .connectionLost: .truncated
    case .protocolError: .protocolError
    case .refusedByPolicy, .cancelled: .distccFailed
    }
  }

  /// Whether this failure of a remote attempt is the host's fault (3.4 backs such hosts off, §7).
  var backsOffHost: Bool {
    switch self {
    case .refusedByPolicy: false
    default: true
    }
  }
}
