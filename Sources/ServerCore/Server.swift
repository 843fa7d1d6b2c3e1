import CompilerIdentity
import DistPosix
import DistProtocol
import Synchronization
public import SystemPackage

/// The distcc daemon: an accept loop on the main thread, one thread per connection (reused), compile
/// slots taken only once a request is fully read, and 3.4's stats page. See `Docs/architecture.md`,
/// "Daemon concurrency".
///
/// ```swift
/// let server = Server(configuration: config, logger: ServerLogger(destination: .standardError))
/// try server.run()   // returns after SIGTERM (in-flight jobs finished), SIGINT, SIGHUP or --lifetime
/// ```
public final class Server: Sendable {
  /// The settings the server runs with.
  public let configuration: ServerConfiguration
  /// Where the server's lines go.
  public let logger: ServerLogger
  let slots: JobSlots
  let statistics: ServerStatistics
  let memory: MemoryBudget
  let active = ActiveJobs()
  /// The threads connections run on, reused from one connection to the next.
  let workers: WorkerPool
  private let stopControl = StopControl()
  private let stopped = Mutex<StopReason?>(nil)

  /// A server for `configuration`, logging through `logger`.
  public init(configuration: ServerConfiguration, logger: ServerLogger) {
    self.configuration = configuration
    self.logger = logger
    slots = JobSlots(
      jobs: configuration.jobs, maxConnections: configuration.maxConnections,
      maxPerAddress: configuration.maxConnectionsPerAddress)
    memory = MemoryBudget(limit: configuration.maxRequestMemory)
    workers = WorkerPool(maxIdle: max(8, 2 * configuration.jobs))
    statistics = ServerStatistics(
      maxKids: configuration.jobs, temporaryDirectory: configuration.temporaryDirectory)
    service = JobService(
      configuration: configuration, logger: logger, slots: slots, statistics: statistics,
      memory: memory, active: active,
      identities: IdentityMemo(
        ask: CompilerQuestion(configuration: configuration, active: active).ask))
  }

  /// Why the last ``run(listeners:)`` or ``serveOne(input:output:)`` returned; `nil` while running.
  public var stopReason: StopReason? { stopped.withLock { $0 } }

  /// Stops ``run(listeners:)`` from any thread or task: no new connections are accepted, jobs in flight get
  /// `gracePeriod` seconds (default ``ServerConfiguration/shutdownGracePeriod``; 0 stops at once), then
  /// whatever still runs is killed and its files removed, and `run` returns. Called before `run`, `run`
  /// returns at once. The library handles no signals: the `distccd` executable maps SIGTERM to a graceful
  /// shutdown and SIGINT/SIGHUP to an immediate one.
  public func shutdown(gracePeriod: Int? = nil) {
    stopControl.request(gracePeriod: max(0, gracePeriod ?? configuration.shutdownGracePeriod))
  }

  /// Serves every connection (immutable, shared by the connection threads).
  let service: JobService

  /// Checks what 3.4 checks before serving (daemon.md §2.1 steps 8-11).
  public func validateEnvironment() throws(ServerError) {
    if !configuration.insecureCompilers && configuration.commandList == nil {
      guard
        configuration.masqueradeDirectories.contains(where: {
          Paths.isAccessible($0, [.read, .execute])
        })
      else {
        throw .noMasqueradeDirectory(configuration.masqueradeDirectories.last ?? "/usr/lib/distcc")
      }
    }
    let directory = configuration.temporaryDirectory
    do throws(PosixError) {
      guard try FileStatus(directory).kind == .directory else {
        throw PosixError.system(operation: "stat \(directory)", errno: .notDirectory)
      }
      try Paths.checkAccess(directory, [.write, .execute])
    } catch {
      throw .temporaryDirectoryUnusable(
        path: directory, reason: error.errno?.message ?? String(describing: error))
    }
  }

  /// Binds the stats port (`--stats`) alone: for a handover that brought only the compile socket.
  public func bindStatsListener() throws(ServerError) -> FileDescriptor {
    try bind(port: configuration.statsPort)
  }

  /// Binds the compile port, and the stats port when ``ServerConfiguration/statsEnabled``, listening.
  ///
  /// A detaching `distccd` binds in the foreground (so "address in use" exits 102 there) and hands the
  /// sockets to the process it detaches into, so the port accepts connections before the command returns.
  /// - Throws: ``ServerError/bindFailed(address:port:reason:)`` or ``ServerError/badListenAddress(_:reason:)``.
  public func bindListeners() throws(ServerError) -> ListeningSockets {
    let compile = try bind(port: configuration.port)
    do {
      let stats = configuration.statsEnabled ? try bind(port: configuration.statsPort) : nil
      return ListeningSockets(compile: compile, stats: stats)
    } catch {
      compile.closeIgnoringErrors()
      throw error
    }
  }

  /// Serves exactly one job on `input`/`output` (`--inetd`). A peer that is not an IP socket (a pipe, or
  /// the AF_UNIX socket sshd hands over) is always served: SSH has authenticated it. With `--lifetime`,
  /// returns when it expires even if the job has not ended (its compiler killed, its files removed), with
  /// ``terminationSignal`` `SIGALRM`.
  /// - Returns: 3.4's internal result code (0 when a reply was sent for a compile that ran).
  @discardableResult
  public func serveOne(input: FileDescriptor, output: FileDescriptor) -> Int32 {
    setSignalDispositions()
    let peer = PeerAddress((try? Socket.peerAddress(input)) ?? nil)
    logger.log(.info, "connection from \(peer)")
    if let bytes = peer.addressBytes, !configuration.accessList.allows(bytes) {
      logger.log(.error, "connection from client '\(peer)' denied by access list")
      return ExitCode.accessDenied.rawValue
    }
    guard configuration.lifetime > 0 else {
      return service.serve(input: input, output: output, peer: peer).ret
    }
    // --lifetime: serve on a thread and stop when the job ends or the lifetime does, whichever is first.
    guard let (done, finished) = try? Socket.pair() else {
      return service.serve(input: input, output: output, peer: peer).ret
    }
    defer { _ = try? done.close() }
    let code = Mutex<Int32>(0)
    let service = self.service
    let started = startThread {
      let result = service.serve(input: input, output: output, peer: peer).ret
      code.withLock { $0 = result }
      _ = try? finished.close()
    }
    guard started else {
      _ = try? finished.close()
      return ExitCode.ioError.rawValue
    }
    let ended = try? Poll.wait(
      [(done, .readable)], deadline: .after(seconds: configuration.lifetime))
    if ended?[0].isEmpty ?? true {
      stopped.withLock { $0 = .lifetimeExpired }
      logger.log(.info, "Alarm clock")
      abandonJobs()
    }
    return code.withLock { $0 }
  }

  /// Listens and serves until ``shutdown(gracePeriod:)`` or `--lifetime`; ``stopReason`` says which.
  /// - Parameter listeners: sockets already listening (see ``ListeningSockets``); `nil` binds them from the
  ///   configuration. They are closed when serving ends.
  /// - Throws: ``ServerError`` when the listening socket cannot be created (3.4 exits 102) or accept fails.
  public func run(listeners: ListeningSockets? = nil) throws(ServerError) {
    setSignalDispositions()
    stopped.withLock { $0 = nil }
    let wake: FileDescriptor
    do throws(PosixError) { wake = try stopControl.beginLoop() } catch {
      throw .acceptFailed(reason: error.description)
    }
    defer {
      stopControl.endLoop()
      workers.close()
    }
    let listening: ListeningSockets
    if let listeners { listening = listeners } else { listening = try bindListeners() }
    defer { listening.close() }
    let listener = listening.compile
    let statsListener = listening.stats
    logStart()
    let lifetime: Deadline =
      configuration.lifetime > 0 ? .after(seconds: configuration.lifetime) : .never
    var idle = IdleTimer(seconds: configuration.idleExit)
    var sockets: [(FileDescriptor, PollEvents)] = [(wake, .readable), (listener, .readable)]
    if let statsListener { sockets.append((statsListener, .readable)) }
    while true {
      if let grace = stopControl.requested {
        if grace > 0 { drain(gracePeriod: grace) }
        abandonJobs()
        stopped.withLock { $0 = .shutdown(graceful: grace > 0) }
        return
      }
      let revents: [PollEvents]
      do throws(PosixError) {
        revents = try Poll.wait(sockets, deadline: lifetime.earlier(idle.nextCheck))
      } catch {
        throw .acceptFailed(reason: error.description)
      }
      if idle.expired(openConnections: slots.connections) {
        logger.log(.info, "no connection for \(configuration.idleExit)s (--idle-exit): exiting")
        stopped.withLock { $0 = .idle }
        return
      }
      if lifetime.hasPassed {
        logger.log(.info, "Alarm clock")
        abandonJobs()
        stopped.withLock { $0 = .lifetimeExpired }
        return
      }
      if !revents[0].isEmpty { continue }  // a stop request: handled at the top
      if !revents[1].isEmpty {
        try acceptJob(on: listener)
        idle.noteActivity()
      }
      if let statsListener, revents.count > 2, !revents[2].isEmpty {
        acceptStats(on: statsListener)
      }
    }
  }

  /// The start-up lines 3.4 logs (and ours: access, confinement, threads).
  private func logStart() {
    logger.log(.info, "\(SystemResources.onlineProcessors) CPU(s) online on this server")
    logger.log(.info, "allowing up to \(configuration.jobs) active jobs")
    if configuration.accessList.isLoopbackOnly {
      logger.log(
        .notice,
        "no --allow or --allow-private given: accepting connections from loopback only (127.0.0.0/8, ::1)"
      )
    } else {
      logger.log(.info, "allowing clients from \(configuration.accessList)")
    }
    let confinement = configuration.confinement.startupNote
    logger.log(confinement.level, confinement.text)
    logger.log(
      .info,
      "threaded daemon started (swift-distcc: a reused thread per connection; protocols 1, 2 and 3)"
    )
  }

  /// Ignores SIGPIPE (a vanished client is an error return, not death) and restores SIGCHLD's default: a
  /// daemon started with SIGCHLD ignored would have its compilers reaped by the kernel and lose their
  /// exit status.
  private func setSignalDispositions() {
    Signals.ignore(Signals.pipe)
    Signals.restoreDefault(Signals.child)
  }

  /// When stopping: kills the compilers still running and removes their job directories.
  private func abandonJobs() {
    let count = active.abandonAll()
    if count > 0 {
      logger.log(
        .warning, "stopping: killed the compilers of \(count) job(s) and removed their files")
    }
  }

  /// A graceful stop: no new connections; jobs in flight get the grace period to finish.
  private func drain(gracePeriod: Int) {
    let count = slots.connections
    guard count > 0 else { return }
    logger.log(.info, "waiting up to \(gracePeriod)s for \(count) connection(s) to finish")
    if !slots.waitUntilIdle(until: .after(seconds: gracePeriod)) {
      logger.log(.warning, "\(slots.connections) connection(s) still open after the grace period")
    }
  }

  private func bind(port: Int) throws(ServerError) -> FileDescriptor {
    let host = configuration.listenAddress ?? "0.0.0.0"
    guard (0...65535).contains(port) else {
      throw .badListenAddress(host, reason: "port number out of range: \(port)")
    }
    guard let address = (try? SocketAddress.resolve(host: host, port: UInt16(port)))?.first else {
      throw .badListenAddress(host, reason: "can't resolve address")
    }
    do {
      // Dual-stack as 3.4: IPv4 clients of a `::` listener arrive IPv4-mapped, which --allow matches.
      let fd = try Socket.listen(on: address, backlog: 1024, ipv6Only: false)
      if configuration.tcpDeferAccept && port == configuration.port {
        try? Socket.setDeferAccept(fd, seconds: 1)  // as 3.4: a client that sends nothing wakes no thread
      }
      let bound = ((try? Socket.localAddress(fd)) ?? nil).map { Int($0.port) } ?? port
      logger.log(.info, "listening on \(host):\(bound)")
      return fd
    } catch {
      throw .bindFailed(
        address: host, port: port, reason: error.errno?.message ?? String(describing: error))
    }
  }

  private func acceptJob(on listener: FileDescriptor) throws(ServerError) {
    let accepted: (FileDescriptor, PeerAddress)?
    do throws(PosixError) { accepted = try Self.accept(listener) } catch {
      if let code = error.errno,
        [.tooManyOpenFiles, .tooManyOpenFilesInSystem, .noMemory, .noBufferSpace].contains(code)
      {
        logger.log(.error, "accept failed: \(error)")
        _ = try? Poll.wait([], deadline: .after(milliseconds: 100))
        return
      }
      throw .acceptFailed(reason: String(describing: error))
    }
    guard let (socket, peer) = accepted else { return }
    logger.log(.info, "connection from \(peer)")
    guard let bytes = peer.addressBytes, configuration.accessList.allows(bytes) else {
      logger.log(.error, "connection from client '\(peer)' denied by access list")
      _ = try? socket.close()
      return
    }
    let key = peer.host
    guard slots.openConnection(from: key) else {
      logger.log(.warning, "too many connections (from \(key) or in total); closing \(peer)")
      _ = try? socket.close()
      return
    }
    statistics.connectionAccepted()
    let service = self.service
    let slots = self.slots
    let started = workers.run {
      service.serve(input: socket, output: socket, peer: peer)
      _ = try? socket.close()
      slots.closeConnection(from: key)
    }
    if !started {
      logger.log(.error, "cannot start a thread for \(peer)")
      _ = try? socket.close()
      slots.closeConnection(from: key)
    }
  }

  private func acceptStats(on listener: FileDescriptor) {
    guard let (socket, peer) = try? Self.accept(listener) else { return }
    guard let bytes = peer.addressBytes, configuration.accessList.allows(bytes) else {
      _ = try? socket.close()
      return
    }
    let statistics = self.statistics
    let gauges: @Sendable () -> StatisticsGauges = {
      [slots, memory, configuration, identities = service.identities] in
      StatisticsGauges(
        runningJobs: slots.running, jobCapacity: configuration.jobs,
        openConnections: slots.connections, requestMemoryUsed: memory.used,
        requestMemoryLimit: memory.limit, loadAverages: SystemLoad.averages().averages,
        compilers: identities.identified)
    }
    let started = workers.run {
      // 3.4 reads (up to 1024 bytes of) whatever was sent, without parsing it, and always answers with
      // its page; `GET /metrics` and `GET /stats.json` get the machine-readable ones.
      let request =
        (try? socket.readSome(upTo: 1024, deadline: .after(seconds: 1), operation: "stats request"))
        ?? []
      let reply: String
      switch StatsPage(request: request) {
      case .distccstats: reply = statistics.page(argv0: "/distccd")
      case .metrics:
        reply = StatsPage.http(
          statistics.metrics(gauges()), type: "text/plain; version=0.0.4; charset=utf-8")
      case .json: reply = StatsPage.http(statistics.json(gauges()), type: "application/json")
      }
      _ = try? socket.writeAll(reply.utf8, deadline: .after(seconds: 5), operation: "stats reply")
      _ = try? socket.close()
    }
    if !started { _ = try? socket.close() }
  }

  /// Accepts a pending connection (close-on-exec, non-blocking); `nil` when nothing is pending.
  private static func accept(_ listener: FileDescriptor) throws(PosixError) -> (
    FileDescriptor, PeerAddress
  )? {
    do {
      let (fd, address) = try Socket.accept(listener, deadline: .now)
      return (fd, PeerAddress(address))
    } catch {
      if case .timedOut = error { return nil }
      throw error
    }
  }
}
