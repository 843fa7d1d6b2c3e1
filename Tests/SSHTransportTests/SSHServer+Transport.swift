// The SSH transport's view of the test sshd: options for its HOME and destinations on it.
import DistTestSupport
import SSHTransport

extension SSHServer {
  /// Options for the test HOME: no global known-hosts file, no agent unless given.
  func options(environment: [String: String] = [:]) -> SSHOptions {
    var options = SSHOptions(home: home, environment: environment, localUser: "root")
    options.globalKnownHostsFiles = []
    return options
  }

  func destination(command: String = "/usr/bin/distccd", user: String? = "root") -> SSHDestination {
    SSHDestination(host: "127.0.0.1", user: user, port: port, command: command)
  }
}
