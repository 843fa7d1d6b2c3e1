import DistPosix
public import SystemPackage

/// The sockets a ``Server`` accepts on: the compile port, and the stats port when `--stats` is on.
///
/// ``Server/bindListeners()`` makes them from the configuration; a program that already holds listening
/// sockets (handed over by systemd's socket activation, or by the `distccd` that detached into this process)
/// passes them to ``Server/run(listeners:)`` instead, and the server never binds.
public struct ListeningSockets: Sendable {
  /// Where compile jobs arrive.
  public var compile: FileDescriptor
  /// Where the `<distccstats>` page, `/metrics` and `/stats.json` are served, if anywhere.
  public var stats: FileDescriptor?

  /// Already-open listening sockets (for example inherited from systemd or bound by the embedding program).
  public init(compile: FileDescriptor, stats: FileDescriptor? = nil) {
    self.compile = compile
    self.stats = stats
  }

  /// The descriptors in handover order (compile first), with the names `LISTEN_FDNAMES` gives them.
  public var named: [(name: String, descriptor: FileDescriptor)] {
    [("distccd", compile)] + (stats.map { [("stats", $0)] } ?? [])
  }

  /// The names ``named`` uses; a socket-activation unit names its stats socket `stats`
  /// (`FileDescriptorName=stats`) to have it served as one.
  public static let statsName = "stats"

  /// Sockets from a handover: the one named ``statsName`` serves statistics, the first other one compiles.
  /// `nil` when none is left for compiling.
  public init?(handedOver sockets: [(name: String, descriptor: FileDescriptor)]) {
    guard let compile = sockets.first(where: { $0.name != Self.statsName })?.descriptor else {
      return nil
    }
    self.compile = compile
    stats = sockets.first(where: { $0.name == Self.statsName })?.descriptor
    // systemd hands over blocking sockets: a client that resets between poll and accept would otherwise
    // block the accept loop (and SIGTERM with it) until the next connection.
    for socket in [compile, stats].compactMap({ $0 }) { try? socket.setNonBlocking(true) }
  }

  /// The port the compile socket listens on: the one the kernel chose when the configuration asked for
  /// port 0 (an embedding program or a test that wants any free port).
  public var compilePort: Int? { (try? Socket.localAddress(compile))?.map { Int($0.port) } }

  /// The port the stats socket listens on, if there is one.
  public var statsPort: Int? {
    stats.flatMap { (try? Socket.localAddress($0))?.map { Int($0.port) } }
  }

  /// Closes both.
  func close() {
    compile.closeIgnoringErrors()
    stats?.closeIgnoringErrors()
  }
}
