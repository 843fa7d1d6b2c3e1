/// Why zeroconf registration or discovery failed, with a one-line human message.
public enum ZeroconfError: Error, Sendable, Equatable, CustomStringConvertible {
  /// libavahi-client could not be loaded (not installed, or too old).
  case library(reason: String)
  /// An Avahi call failed (`operation`: what was attempted; `reason`: Avahi's message, e.g. "Daemon not running").
  case avahi(operation: String, reason: String)
  /// A file or process operation around discovery failed.
  case system(String)

  public var description: String {
    switch self {
    case .library(let reason): "cannot load libavahi-client: \(reason)"
    case .avahi(let operation, let reason): "\(operation): \(reason)"
    case .system(let message): message
    }
  }
}
