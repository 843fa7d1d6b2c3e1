public import ArgumentParser

/// `distccd`'s command line: 3.4's options (daemon.md §1) and ours, each with its help line.
///
/// `--help` prints the version banner and the help ArgumentParser generates from these declarations; a
/// test keeps every option of 3.4's `distccd --help` in it. Parse errors exit 101, as 3.4's do.
public struct DaemonOptions: ParsableCommand {
  // Mode of operation.
  @Flag(
    name: .customLong("daemon"),
    help: "Bind and listen on a socket (the default unless stdin is one).")
  public var daemon = false
  @Flag(help: "Serve the client connected to stdin/stdout, then exit (inetd, SSH mode).")
  public var inetd = false
  @Flag(
    name: .customLong("no-detach"),
    help: "With --daemon, stay in the foreground (daemontools, systemd).")
  public var noDetach = false
  @Flag(
    name: .customLong("no-fork"), help: "Accepted for compatibility: distccd is always one process."
  )
  public var noFork = false
  @Flag(name: .customLong("no-fifo"), help: "Accepted for compatibility; ignored.")
  public var noFifo = false
  @Flag(
    name: [.customShort("W"), .customLong("wizard")],
    help: "--daemon --no-detach --log-stderr --verbose.")
  public var wizard = false

  // Networking.
  @Option(
    name: [.customShort("p"), .customLong("port")],
    help: ArgumentHelp("TCP port to listen on.", valueName: "PORT"))
  public var port: Int = 3632
  @Option(
    name: .customLong("listen"),
    help: ArgumentHelp(
      "IP address to listen on (default 0.0.0.0); also used by --stats.", valueName: "ADDRESS"))
  public var listen: String?
  @Option(
    name: [.customShort("a"), .customLong("allow")],
    help: ArgumentHelp(
      "Accept clients from this address or network; repeatable. Without --allow or --allow-private only loopback clients are served.",
      valueName: "IP[/BITS]"))
  public var allow: [String] = []
  @Flag(
    name: .customLong("allow-private"),
    help:
      "Accept the private and loopback ranges (192.168/16, 10/8, 172.16/12, 127/8, fe80::/10, fc00::/7, ::1)."
  )
  public var allowPrivate = false
  @Option(
    name: .customLong("max-connections"),
    help: ArgumentHelp("Open connections at most, reading or compiling.", valueName: "N"))
  public var maxConnections: Int = 1024
  @Option(
    name: .customLong("max-connections-per-address"),
    help: ArgumentHelp("Open connections from one address at most.", valueName: "N"))
  public var maxPerAddress: Int = 64
  @Flag(
    name: .customLong("auth"), help: "GSS-API mutual authentication: not supported (exits 101).")
  public var auth = false
  @Option(
    name: .customLong("blacklist"),
    help: ArgumentHelp("GSS-API principal blacklist: accepted, not supported.", valueName: "FILE"))
  public var blacklist: String?
  @Option(
    name: .customLong("whitelist"),
    help: ArgumentHelp("GSS-API principal whitelist: accepted, not supported.", valueName: "FILE"))
  public var whitelist: String?
  @Flag(name: .customLong("show-principal"), help: "Show the GSS-API principal (none) and exit.")
  public var showPrincipal = false
  @Flag(
    name: .customLong("stats"),
    help: "Serve the <distccstats> page, GET /metrics (Prometheus) and GET /stats.json over HTTP.")
  public var stats = false
  @Option(
    name: .customLong("stats-port"), help: ArgumentHelp("TCP port for --stats.", valueName: "PORT"))
  public var statsPort: Int = 3633
  @Flag(
    name: .customLong("compilers"),
    help:
      "List the compilers this daemon would run with their identities (family, version, target, fingerprint) and exit."
  )
  public var compilers = false
  @Flag(
    name: .customLong("zeroconf"),
    help: "Register via mDNS/DNS-SD (Avahi), as _distcc._tcp with 3.4's subtype and TXT records.")
  public var zeroconf = false

  // Jobs.
  @Option(
    name: [.customShort("j"), .customLong("jobs")],
    help: ArgumentHelp(
      "Compile at most LIMIT jobs at once, 1-200 (default: CPUs + 2). Reading a request takes no slot.",
      valueName: "LIMIT"))
  public var jobs: Int?
  @Option(
    name: [.customShort("N"), .customLong("nice")],
    help: ArgumentHelp(
      "Lower the daemon's and its compilers' priority by LEVEL (20 = most nice).",
      valueName: "LEVEL"))
  public var nice: Int = 5
  @Option(
    name: .customLong("job-lifetime"),
    help: ArgumentHelp("Kill a compile that runs longer (0: no limit).", valueName: "SECONDS"))
  public var jobLifetime: Int = 0
  @Option(
    name: .customLong("lifetime"),
    help: ArgumentHelp("Exit after this many seconds (0: never).", valueName: "SECONDS"))
  public var lifetime: Int = 0
  @Option(
    name: .customLong("idle-exit"),
    help: ArgumentHelp(
      "Socket-activated (Accept=no, --no-detach): exit after this many seconds without a connection; systemd starts distccd again on the next one (0: never).",
      valueName: "SECONDS"))
  public var idleExit: Int = 0
  @Option(
    name: .customLong("shutdown-grace"),
    help: ArgumentHelp(
      "After SIGTERM, the time jobs in flight get to finish.", valueName: "SECONDS"))
  public var shutdownGrace: Int = 30
  @Option(
    name: .customLong("max-request-memory"),
    help: ArgumentHelp(
      "Memory all connections together may hold for request bodies (default: a quarter of RAM, at most 2G). Suffixes K, M, G.",
      valueName: "BYTES"))
  public var maxRequestMemory: String?
  @Option(
    name: .customLong("max-body-size"),
    help: ArgumentHelp(
      "Largest body (.i or file) of one request, on the wire and decompressed (default 256M). Suffixes K, M, G.",
      valueName: "BYTES"))
  public var maxBodySize: String?
  @Flag(
    name: .customLong("enable-tcp-insecure"),
    help: "Run any compiler, not only those linked in /usr/lib/distcc or listed in DISTCC_CMDLIST.")
  public var enableTcpInsecure = false
  @Flag(
    name: .customLong("make-me-a-botnet"),
    help: "Same as --enable-tcp-insecure (3.4's old spelling).")
  public var makeMeABotnet = false

  // Security.
  @Option(
    name: .customLong("user"),
    help: ArgumentHelp(
      "If run by root, change to this account (default: distccd, then distcc, then nobody, then uid 65534).",
      valueName: "USER"))
  public var user: String?
  @Option(
    name: .customLong("limit-as"),
    help: ArgumentHelp(
      "Address space of each compiler (default 8 GiB; 0: inherited).", valueName: "BYTES"))
  public var limitAs: UInt64?
  @Option(
    name: .customLong("limit-cpu"),
    help: ArgumentHelp(
      "CPU time of each compiler (default 3600; 0: inherited).", valueName: "SECONDS"))
  public var limitCPU: UInt64?
  @Option(
    name: .customLong("limit-fsize"),
    help: ArgumentHelp(
      "Largest file a compiler writes (default 4 GiB; 0: inherited).", valueName: "BYTES"))
  public var limitFileSize: UInt64?
  @Option(
    name: .customLong("limit-nproc"),
    help: ArgumentHelp(
      "Processes of the daemon's user while a compiler runs (default: inherited).", valueName: "N"))
  public var limitProcesses: UInt64?
  @Flag(
    name: .customLong("no-sandbox"),
    help: "Run compilers unconfined, as 3.4 does: no Landlock, no no_new_privs, no limits.")
  public var noSandbox = false

  // Logging and status.
  @Option(
    name: [.customShort("P"), .customLong("pid-file")],
    help: ArgumentHelp(
      "Write the serving process's pid to FILE (before --daemon returns); removed at exit.",
      valueName: "FILE"))
  public var pidFile: String?
  @Option(
    name: .customLong("log-file"),
    help: ArgumentHelp("Append log lines to FILE instead of syslog.", valueName: "FILE"))
  public var logFile: String?
  @Option(
    name: .customLong("log-level"),
    help: ArgumentHelp(
      "Detail of the log: critical, error, warning, notice (default), info, debug.",
      valueName: "LEVEL"))
  public var logLevel: String?
  @Flag(name: .customLong("verbose"), help: "Same as --log-level=debug.")
  public var verbose = false
  @Flag(name: .customLong("log-stderr"), help: "Send log lines to stderr.")
  public var logStderr = false
  @Flag(name: .customLong("help"), help: "Explain usage and exit.")
  public var help = false
  @Flag(name: .customLong("version"), help: "Show the version and exit.")
  public var version = false

  public static let configuration = CommandConfiguration(
    commandName: "distccd",
    abstract:
      "The volunteer side of distcc: accepts compile jobs over TCP or stdin, runs the compiler, sends the results back.",
    discussion: """
      Environment: DISTCCD_PATH (compiler search path, default: inherited PATH), DISTCC_CMDLIST (file of allowed \
      compilers, full paths), DISTCC_CMDLIST_NUMWORDS (trailing path components compared, default 1), TMPDIR \
      (job files, default /tmp), DISTCC_SAVE_TEMPS=1 (keep job files), DISTCC_IO_TIMEOUT (seconds a client may \
      take to send a request or receive a reply, default 300), LISTEN_FDS/LISTEN_PID/LISTEN_FDNAMES (systemd \
      socket activation: serve these sockets instead of binding).

      Exit status: 0 success; 101 bad option or environment; 102 cannot bind; 103 accept failed; 105 cannot \
      detach; 107 TMPDIR unusable; 110 no /usr/lib/distcc; 112 cannot drop root.
      """,
    helpNames: [])

  public init() {}

  /// 3.4's checks on option values (daemon.md §1); a failure is a one-line error and exit 101.
  public func validate() throws {
    if blacklist != nil && whitelist != nil {
      throw ValidationError("Can't specify both --whitelist and --blacklist.")
    }
    if auth { throw ValidationError("--auth (GSS-API) is not supported by this distccd") }
    if let jobs, !(1...200).contains(jobs) {
      throw ValidationError("--jobs argument must be between 1 and 200")
    }
    if idleExit < 0 { throw ValidationError("--idle-exit argument must be 0 or more seconds") }
    for port in [port, statsPort] where !(1...65535).contains(port) {
      throw ValidationError("port number out of range: \(port)")
    }
    _ = try requestMemoryBytes
    _ = try bodySizeBytes
  }

  /// `--max-request-memory` in bytes, if given.
  public var requestMemoryBytes: Int? {
    get throws { try Self.bytes(maxRequestMemory, "--max-request-memory") }
  }
  /// `--max-body-size` in bytes, if given.
  public var bodySizeBytes: Int? { get throws { try Self.bytes(maxBodySize, "--max-body-size") } }

  private static func bytes(_ text: String?, _ option: String) throws -> Int? {
    guard let text else { return nil }
    guard let count = ByteCount(argument: text) else {
      throw ValidationError(
        "invalid \(option) argument \"\(text)\": expected a positive size such as 512M")
    }
    return count.bytes
  }
}
