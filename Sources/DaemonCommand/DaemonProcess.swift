import DistPosix
import DistProtocol
internal import Glibc  // nice, isatty, sigset_t and raise: the executable's own process
import ServerCore
import SystemPackage

/// What `distccd` does as a process around the library's ``Server``: choosing the mode, detaching, the pid
/// file, `nice`, dropping root, where the log goes, and dying by the signal that stopped it (3.4's way).
public struct DaemonProcess {
  public let options: DaemonOptions
  /// The process environment, read once.
  public let environment: [String: String]

  public init(options: DaemonOptions, environment: [String: String]) {
    self.options = options
    self.environment = environment
  }

  /// Runs the daemon to its end and exits with 3.4's status.
  public func run() -> Never {
    // Request bodies of 1 MiB and more get their own mappings, returned to the kernel when freed: the
    // resident size then follows --max-request-memory instead of keeping freed bodies in malloc's arenas.
    ProcessEnvironment.setMmapThreshold(1 << 20)
    var environment = self.environment
    let detachedChild = DetachedStart.isDetachedChild(environment: environment)
    environment.removeValue(forKey: DetachedStart.variable)
    let handedOver: ListenDescriptors?
    do {
      handedOver = try ListenDescriptors.take(
        from: &environment, processID: getpid(), acceptWithoutProcessID: detachedChild)
    } catch { DaemonMessages.fail(error.description, .badArguments) }
    var configuration: ServerConfiguration
    do { configuration = try ServerConfiguration(options: options, environment: environment) } catch
    {
      DaemonMessages.fail(error.description, error.exitCode)
    }
    if options.compilers {
      let text = DaemonCompilers.lines(configuration).map { $0 + "\n" }.joined()
      _ = try? FileDescriptor.standardOutput.writeAll(text.utf8, deadline: .never)
      exit(0)
    }
    // --idle-exit only where a service manager holds the socket and starts the daemon again (the same unit
    // may run without its socket, so elsewhere it is ignored with a warning).
    if options.idleExit > 0 {
      if handedOver != nil && !detachedChild {
        configuration.idleExit = options.idleExit
      } else if !detachedChild {
        DaemonMessages.warn(
          "--idle-exit is ignored: no listening sockets from systemd (LISTEN_FDS)")
      }
    }
    let handedSockets = handedOver?.sockets ?? []
    if let connection = handedSockets.first?.descriptor, !Socket.isListening(connection) {
      // systemd's Accept=yes: one connection, served as inetd would serve it.
      serveOne(configuration, input: connection, output: connection)
    }
    if options.inetd
      || (!options.daemon && !options.wizard && handedOver == nil && Self.standardInputIsSocket)
    {
      serveOne(configuration, input: StandardStreams.input, output: StandardStreams.output)
    }
    if configuration.accessList.isLoopbackOnly && !detachedChild {
      DaemonMessages.warn(
        "No --allow option specified: accepting connections from loopback addresses only (127.0.0.0/8, ::1)."
      )
    }
    let handed = ListeningSockets(handedOver: handedSockets)
    if !options.noDetach && !options.wizard && !detachedChild {
      let server = Server(configuration: configuration, logger: ServerLogger(destination: .none))
      do {
        DetachedStart.detach(
          sockets: try listeners(handed, server: server), environment: self.environment)
      } catch { DaemonMessages.fail(error.description, error.exitCode) }
    }
    let server = startServer(configuration)
    let sockets: ListeningSockets
    do { sockets = try listeners(handed, server: server) } catch {
      DaemonMessages.fail(error.description, error.exitCode)
    }
    let pidFile = options.pidFile.map(PidFile.init)
    pidFile?.write()
    let stopSignals: StopSignals
    do { stopSignals = try StopSignals(for: server) } catch {
      DaemonMessages.fail(error.description, DistProtocol.ExitCode.distccFailed)
    }
    if detachedChild { DetachedStart.reportReady() }
    let registration =
      options.zeroconf ? ZeroconfAdvertising.start(configuration, logger: server.logger) : nil
    do { try server.run(listeners: sockets) } catch {
      registration?.stop()
      pidFile?.remove()
      DaemonMessages.fail(error.description, error.exitCode)
    }
    registration?.stop()
    pidFile?.remove()
    if server.stopReason == .lifetimeExpired { Self.dieBy(Signals.alarm) }
    if let signal = stopSignals.signal { Self.dieBy(signal) }
    exit(0)
  }

  /// The handed-over sockets (with the stats port bound if `--stats` asks for it and none came), or freshly
  /// bound ones.
  private func listeners(_ handed: ListeningSockets?, server: Server) throws(ServerError)
    -> ListeningSockets
  {
    guard var sockets = handed else { return try server.bindListeners() }
    if server.configuration.statsEnabled && sockets.stats == nil {
      sockets.stats = try server.bindStatsListener()
    }
    return sockets
  }

  /// `--inetd` (or a connection handed over): one job on `input`/`output`, then exit with its result.
  private func serveOne(
    _ configuration: ServerConfiguration, input: FileDescriptor, output: FileDescriptor
  )
    -> Never
  {
    let server = startServer(configuration)
    server.logger.log(.info, "inetd server started (swift-distcc)")
    let code = server.serveOne(input: input, output: output)
    if server.stopReason == .lifetimeExpired { Self.dieBy(Signals.alarm) }
    exit(code)
  }

  /// `nice`, dropping root, the log, and the checks 3.4 makes before serving; exits on failure.
  private func startServer(_ configuration: ServerConfiguration) -> Server {
    if options.nice != 0 {
      errno = 0
      if Glibc.nice(Int32(options.nice)) == -1 && errno != 0 {
        DaemonMessages.warn("nice \(options.nice) failed")
      }
    }
    if options.user != nil && getuid() != 0 && geteuid() != 0 {
      DaemonMessages.warn("--user is ignored when distccd is not run by root")
    }
    do {
      for message in try PrivilegeDrop.dropIfRoot(user: options.user) {
        DaemonMessages.warn(message)
      }
    } catch { DaemonMessages.fail(error.description, error.exitCode) }
    let server = Server(configuration: configuration, logger: makeLogger())
    do { try server.validateEnvironment() } catch {
      DaemonMessages.fail(error.description, error.exitCode)
    }
    if configuration.compilerPath == nil {
      server.logger.log(.info, "daemon's PATH is \(configuration.inheritedPath)")
    }
    return server
  }

  /// The log `--log-stderr`, `--log-file`, `--log-level`, `--verbose` and `--wizard` ask for (syslog by default).
  private func makeLogger() -> ServerLogger {
    var level = ServerLogger.Level.notice
    if let name = options.logLevel {
      if let parsed = ServerLogger.Level(name: name) {
        level = parsed
      } else {
        DaemonMessages.warn("invalid --log-level argument \"\(name)\"")
      }
    }
    if options.verbose || options.wizard { level = .debug }
    if options.logStderr || options.wizard {
      return ServerLogger(destination: .standardError, level: level)
    }
    guard let file = options.logFile else {
      return ServerLogger(destination: .syslog, level: level)
    }
    do {
      let fd = try FileDescriptor.open(
        file, .writeOnly, options: [.create, .append, .closeOnExec],
        permissions: [.ownerReadWrite, .groupReadWrite, .otherReadWrite])
      return ServerLogger(destination: .file(descriptor: fd.rawValue), level: level)
    } catch {
      DaemonMessages.warn("failed to open \(file): \(error)")
      return ServerLogger(destination: .syslog, level: level)
    }
  }

  /// Whether stdin is a socket (3.4 then serves it as inetd would, unless told `--daemon`).
  private static var standardInputIsSocket: Bool {
    var info = stat()
    return isatty(0) == 0 && fstat(0, &info) == 0 && info.st_mode & S_IFMT == S_IFSOCK
  }

  /// 3.4 dies by the signal that stopped it (`--lifetime`: SIGALRM).
  static func dieBy(_ signal: Int32) -> Never {
    Glibc.signal(signal, SIG_DFL)
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, signal)
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
    raise(signal)
    exit(128 + signal)
  }
}
