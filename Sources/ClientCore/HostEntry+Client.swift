import HostSpec

extension HostEntry {
  /// Whether a chooser may ever give this host a job: not `,down`, and a limit above 0.
  var takesJobs: Bool { !options.down && limit > 0 }

  /// The host name written in state files: no port, no user (client.md §12.2).
  var stateName: String {
    switch kind {
    case .localhost: "localhost"
    case .tcp(let host, _), .ssh(_, let host, _): host
    }
  }
}
