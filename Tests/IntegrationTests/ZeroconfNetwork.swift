import DistPosix
import DistTestSupport
import Foundation
import Glibc
import Testing

/// Two hosts for mDNS tests: network+mount+UTS namespaces (host names `zca` and `zcb`) joined by a veth
/// pair with link-local addresses, IPv6 off, each with a private tmpfs `/run` holding its own system D-Bus
/// and an `avahi-daemon` limited to its veth (`Docs/zeroconf.md`). Every process is started and stopped by
/// pid; the namespaces vanish with their holder processes.
final class ZeroconfNetwork: @unchecked Sendable {  // set up once, then only read
  /// One namespace: its holder process, bus and responder.
  struct Node {
    let name: String
    let address: String
    let holder: BackgroundProcess
    var bus: BackgroundProcess?
    var avahi: BackgroundProcess?
    var pid: String { String(holder.pid) }
  }

  /// The network of the running suite (see ``ZeroconfNetworkTrait``).
  @TaskLocal static var current: ZeroconfNetwork?

  let directory: TestDirectory
  private(set) var nodes: [Node] = []
  var a: Node { nodes[0] }
  var b: Node { nodes[1] }

  init() throws {
    directory = try TestDirectory(prefix: "zeroconf-net-")
    chmod(directory.path, 0o777)
    let suffix = String(getpid() % 100_000)
    for (name, address) in [("zca", "169.254.44.1"), ("zcb", "169.254.44.2")] {
      let ready = directory.appending("\(name).ready")
      let holder = try BackgroundProcess(
        [
          "/usr/bin/unshare", "--net", "--mount", "--uts", "--propagation", "private", "/bin/sh",
          "-c",
          "mount -t tmpfs tmpfs /run && mkdir -p /run/dbus /run/avahi-daemon && hostname \(name)"
            + " && touch \(ready) && exec sleep 100000",
        ], logPath: directory.appending("\(name).holder.log"))
      nodes.append(Node(name: name, address: address, holder: holder))
      try waitForPath(ready)
    }
    let links = ["vzca\(suffix)", "vzcb\(suffix)"]
    _ = try runChecked(["ip", "link", "add", links[0], "type", "veth", "peer", "name", links[1]])
    for (index, link) in links.enumerated() {
      let node = nodes[index]
      _ = try runChecked(["ip", "link", "set", link, "netns", node.pid])
      _ = try runChecked(
        enter(node) + [
          "/bin/sh", "-c",
          "sysctl -qw net.ipv6.conf.all.disable_ipv6=1 && ip link set lo up && ip addr add \(node.address)/16"
            + " dev \(link) && ip link set \(link) up",
        ])
      let conf = try directory.write(
        "\(node.name).avahi.conf",
        """
        [server]
        host-name=\(node.name)
        use-ipv4=yes
        use-ipv6=no
        allow-interfaces=\(link)
        ratelimit-interval-usec=1000000
        ratelimit-burst=1000
        [wide-area]
        enable-wide-area=no
        [publish]
        publish-hinfo=no
        publish-workstation=no

        """)
      nodes[index].bus = try BackgroundProcess(
        enter(node) + ["dbus-daemon", "--system", "--nofork", "--nopidfile"],
        logPath: directory.appending("\(node.name).dbus.log"))
      try waitForPath("/proc/\(node.pid)/root/run/dbus/system_bus_socket")
      let avahi = try BackgroundProcess(
        enter(node) + [
          "avahi-daemon", "-f", conf, "--no-drop-root", "--no-chroot", "--no-rlimits",
          "--no-proc-title",
        ], logPath: directory.appending("\(node.name).avahi.log"))
      nodes[index].avahi = avahi
      try avahi.waitForLog("Server startup complete")
    }
  }

  /// Stops the responders, buses and holders, in that order, by pid.
  func stop() {
    for node in nodes {
      node.avahi?.stop()
      node.bus?.stop()
      node.holder.stop(signal: SIGKILL)
    }
  }

  /// `nsenter` into `node`'s namespaces.
  func enter(_ node: Node) -> [String] {
    ["/usr/bin/nsenter", "-t", node.pid, "-n", "-m", "-u"]
  }

  /// Runs `arguments` in `node` to completion.
  func run(in node: Node, _ arguments: [String], environment: [String: String]? = nil) throws
    -> CommandResult
  {
    try TestProcess.run(enter(node) + arguments, environment: environment, timeout: 60)
  }

  /// Starts `arguments` in `node` in the background, logging to `log` in the network's directory.
  func start(
    in node: Node, _ arguments: [String], environment: [String: String]? = nil, log: String
  )
    throws -> BackgroundProcess
  {
    try BackgroundProcess(
      enter(node) + arguments, environment: environment, logPath: directory.appending(log))
  }

  /// `avahi-browse -r -t -p TYPE` in `node`: the resolved (`=`) lines.
  func browse(in node: Node, _ type: String) throws -> [String] {
    let result = try run(in: node, ["avahi-browse", "-r", "-t", "-p", type])
    return result.stdout.split(separator: "\n").map(String.init).filter { $0.hasPrefix("=") }
  }

  /// Waits until `node` sees (or, with `present: false`, no longer sees) a `type` service whose resolved
  /// line contains `text`.
  func waitForService(
    in node: Node, _ type: String, containing text: String, present: Bool = true,
    log: BackgroundProcess? = nil
  ) throws {
    let deadline = Deadline.after(seconds: 15)
    while !deadline.hasPassed {
      if try browse(in: node, type).contains(where: { $0.contains(text) }) == present { return }
      usleep(100_000)
    }
    throw TestFailure(
      "\(node.name) \(present ? "never saw" : "still sees") \(text) as \(type)"
        + (log.map { ": \($0.log())" } ?? ""))
  }

  /// Stops the zeroconf helper holding `distccDir`'s `zeroconf/lock`, if one does (by its pid).
  static func stopHelper(distccDir: String) {
    let fd = open(distccDir + "/zeroconf/lock", O_RDWR)
    guard fd >= 0 else { return }
    defer { close(fd) }
    var lock = flock()
    lock.l_type = Int16(F_WRLCK)
    lock.l_whence = Int16(SEEK_SET)
    if fcntl(fd, F_GETLK, &lock) == 0, lock.l_type != Int16(F_UNLCK) { kill(lock.l_pid, SIGTERM) }
  }
}

/// Sets up one ``ZeroconfNetwork`` around a whole suite and removes it afterwards.
struct ZeroconfNetworkTrait: SuiteTrait, TestScoping {
  var isRecursive: Bool { false }

  func provideScope(
    for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
  ) async throws {
    let network = try ZeroconfNetwork()
    defer { network.stop() }
    try await ZeroconfNetwork.$current.withValue(network) { try await function() }
  }
}

extension Trait where Self == ZeroconfNetworkTrait {
  /// Runs the suite inside a private two-host mDNS network.
  static var zeroconfNetwork: Self { Self() }
}
