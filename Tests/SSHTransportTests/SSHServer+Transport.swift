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

  /// Starts an `ssh-agent` (stopped by pid when the value is released) holding the key at `key`; returns
  /// it and the environment that names its socket.
  func startAgent(holding key: String) throws -> (BackgroundProcess, [String: String]) {
    let socket = directory.appending("agent.sock")
    let agent = try BackgroundProcess(
      ["ssh-agent", "-D", "-a", socket], logPath: directory.appending("agent.log"))
    try waitForPath(socket)
    let environment = ["SSH_AUTH_SOCK": socket, "PATH": "/usr/bin:/bin"]
    try runChecked(["ssh-add", "-q", key], environment: environment)
    return (agent, environment)
  }

  func destination(command: String = "/usr/bin/distccd", user: String? = "root") -> SSHDestination {
    SSHDestination(host: "127.0.0.1", user: user, port: port, command: command)
  }
}
