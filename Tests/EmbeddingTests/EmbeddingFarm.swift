import ClientCore
import DistPosix
import DistTestSupport
import Glibc
import ServerCore
import Testing

/// Two real daemons on loopback for in-process compiles: Debian's distccd 3.4 (a process, stopped by its pid)
/// and ours (a `Server` in this process), plus a client configuration for a test directory.
final class EmbeddingFarm: @unchecked Sendable {  // immutable after init
  let directory: TestDirectory
  /// Debian's daemon, `address:port`.
  let debianEndpoint: LoopbackEndpoint
  let debian: BackgroundProcess
  let server: Server
  let ourPort: Int
  /// Our daemon's address, picked at run time (port 0 on a shared 127.0.0.1 could hand another suite's
  /// just-stopped server's port to ours).
  let ourAddress: String
  private let serving: Task<Void, any Error>

  /// `compilers`: names in the test directory our daemon also runs.
  init(jobs: Int = 4, compilers: [String] = []) async throws {
    directory = try TestDirectory()
    try directory.makeDirectories(directory.appending("tmp"))
    try directory.makeDirectories(directory.appending("server-tmp"))
    try directory.makeDirectories(directory.appending("src"))
    debianEndpoint = try LoopbackAddress.pick()
    debian = try BackgroundProcess(
      [
        "/usr/bin/distccd", "--daemon", "--no-detach", "--listen", debianEndpoint.address, "--port",
        "\(debianEndpoint.port)", "--allow", "127.0.0.0/8", "--jobs", "\(jobs)", "--log-stderr",
        "--log-level", "warning",
      ], environment: ["PATH": "/usr/bin:/bin"],
      logPath: directory.appending("distccd.log"))
    let endpoint = debianEndpoint
    guard
      try await Self.eventually({
        LoopbackAddress.isListening(endpoint.address, Int(endpoint.port))
      })
    else { throw PosixError.timedOut(operation: "wait for Debian's distccd: \(debian.log())") }
    let list = try directory.write(
      "cmdlist",
      (["/usr/bin/gcc", "/usr/bin/x86_64-linux-gnu-gcc"] + compilers.map(directory.appending))
        .joined(separator: "\n") + "\n")
    var configuration = try ServerConfiguration(environment: [
      "PATH": "/usr/bin:/bin", "TMPDIR": directory.appending("server-tmp"), "DISTCC_CMDLIST": list,
    ])
    ourAddress = try LoopbackAddress.pick().address
    configuration.listenAddress = ourAddress
    configuration.port = 0
    configuration.jobs = jobs
    configuration.confinement.enabled = false
    let server = Server(configuration: configuration, logger: ServerLogger(destination: .none))
    let listeners = try server.bindListeners()
    ourPort = try #require(listeners.compilePort)
    self.server = server
    serving = Task { try await server.serve(listeners: listeners) }
  }

  /// Stops both daemons; true when ours stopped as asked.
  func stop() async throws {
    _ = debian.stop()
    server.shutdown()
    try await serving.value
  }

  /// A compiler for `hosts`, its state in the test directory.
  func compiler(hosts: String, extra: [String: String] = [:]) throws -> DistributedCompiler {
    DistributedCompiler(
      configuration: try ClientConfiguration(environment: environment(hosts: hosts, extra: extra)))
  }

  /// A client's environment for `hosts`: `DISTCC_DIR` and `TMPDIR` in the test directory, 20 ms pauses.
  func environment(hosts: String, extra: [String: String] = [:]) -> [String: String] {
    var environment = [
      "PATH": "/usr/bin:/bin", "DISTCC_DIR": directory.appending("distcc"), "DISTCC_HOSTS": hosts,
      "TMPDIR": directory.appending("tmp"), "DISTCC_PAUSE_TIME_MSEC": "20",
    ]
    environment.merge(extra) { $1 }
    return environment
  }

  /// The pid a blocking compiler (`CancellationTests.blockingCompiler`) wrote when it started.
  func blockedCompilerPID() throws -> Int32 {
    let text = String(decoding: try directory.read("compiler.pid"), as: UTF8.self)
    return try #require(Int32(text.filter { $0.isNumber }))
  }

  /// Polls `condition` every 10 ms for up to 20 s.
  static func eventually(_ condition: () -> Bool) async throws -> Bool {
    for _ in 0..<2000 {
      if condition() { return true }
      try await Task.sleep(for: .milliseconds(10))
    }
    return condition()
  }

  /// Our daemon as a host list names it, `address:port`.
  var ourHost: String { "\(ourAddress):\(ourPort)" }

  var bothHosts: String { "\(debianEndpoint)/4 \(ourHost)/4" }
}
