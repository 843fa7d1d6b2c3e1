import SSHTransport

/// `distcc --ssh-broker …`: the client executable doubling as the per-user SSH connection broker
/// (`SSHTransport.SSHBroker`, Docs/ssh.md), which a `distcc` process starts detached when it first needs an
/// `@host` and finds no broker for it.
public enum SSHBrokerMode {
  /// The path a process uses to start another copy of its own executable.
  public static let selfExecutable = "/proc/self/exe"

  /// Serves as broker when `arguments[1]` is the broker flag; the exit status, or `nil` when not asked to.
  public static func runIfRequested(arguments: [String], environment: [String: String]) -> Int32? {
    guard arguments.count > 1, arguments[1] == SSHBroker.modeArgument else { return nil }
    return SSHBroker.main(arguments: Array(arguments.dropFirst(2)), environment: environment)
  }
}
