import HostSpec

extension HostEntry {
  /// The host name written in state files: no port, no user (client.md §12.2).
  var stateName: String {
    switch kind {
    case .localhost: "localhost"
    case .tcp(let host, _), .ssh(_, let host, _): host
    }
  }
}
