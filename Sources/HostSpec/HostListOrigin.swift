/// Where a host list came from: named in error messages, as 3.4 names it in its warnings.
public enum HostListOrigin: Sendable, Hashable, CustomStringConvertible {
  /// The `DISTCC_HOSTS` environment variable.
  case environment
  /// A hosts file: `$DISTCC_DIR/hosts`, `~/.distcc/hosts` or the system file.
  case file(path: String)

  public var description: String {
    switch self {
    case .environment: "DISTCC_HOSTS"
    case .file(let path): path
    }
  }
}
