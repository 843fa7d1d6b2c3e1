public import DistProtocol

/// Why a ``Server`` could not start or keep running. Each case names its culprit.
public enum ServerError: Error, Sendable, Equatable, CustomStringConvertible {
  /// An environment variable has a value 3.4 rejects (`Bad DISTCC_IO_TIMEOUT value: X`).
  case badEnvironment(name: String, value: String)
  /// An `--allow` entry that is not an address or has a bad mask.
  case badAllowEntry(String, reason: String)
  /// The `--listen` address or port cannot be used.
  case badListenAddress(String, reason: String)
  /// `bind`/`listen` failed (3.4 exits 102).
  case bindFailed(address: String, port: Int, reason: String)
  /// `accept` failed for good (3.4 exits 103).
  case acceptFailed(reason: String)
  /// `chdir` to `TMPDIR` failed (3.4 exits 107).
  case temporaryDirectoryUnusable(path: String, reason: String)
  /// No masquerade directory and no `--enable-tcp-insecure` (3.4 exits 110).
  case noMasqueradeDirectory(String)
  /// Dropping root failed (3.4 exits 112).
  case privilegeDropFailed(String)
  /// Detaching (re-spawning in a new session) failed.
  case detachFailed(reason: String)
  /// The pid file could not be written.
  case pidFileFailed(path: String, reason: String)

  /// 3.4's exit code for this start-up failure (daemon.md §9).
  public var exitCode: ExitCode {
    switch self {
    case .badEnvironment, .badAllowEntry, .badListenAddress: .badArguments
    case .bindFailed: .bindFailed
    case .acceptFailed: .connectFailed
    case .temporaryDirectoryUnusable: .ioError
    case .noMasqueradeDirectory: .compilerMissing
    case .privilegeDropFailed: .setuidFailed
    case .detachFailed, .pidFileFailed: .outOfMemory
    }
  }

  /// The one-line message the daemon logs for this error.
  public var description: String {
    switch self {
    case .badEnvironment(let name, let value): "Bad \(name) value: \(value)"
    case .badAllowEntry(let entry, let reason): "\(reason) in --allow \"\(entry)\""
    case .badListenAddress(let address, let reason): "--listen \"\(address)\": \(reason)"
    case .bindFailed(let address, let port, let reason):
      "bind of \(address):\(port) failed: \(reason)"
    case .acceptFailed(let reason): "accept failed: \(reason)"
    case .temporaryDirectoryUnusable(let path, let reason): "failed to chdir to \(path): \(reason)"
    case .noMasqueradeDirectory(let path):
      "\(path) not found. You must set up masquerade (see distcc(1)) to list whitelisted compilers or pass --enable-tcp-insecure. To set up masquerade automatically run update-distcc-symlinks."
    case .privilegeDropFailed(let message): message
    case .detachFailed(let reason): "failed to detach: \(reason)"
    case .pidFileFailed(let path, let reason): "failed to write pid file \(path): \(reason)"
    }
  }
}
