import DistPosix
public import DistProtocol

/// Everything a ``Server`` needs to know, as plain values.
///
/// The `distccd` executable maps 3.4's options onto this struct; an embedder builds one directly.
/// Environment-derived settings (daemon.md §12) come from ``init(environment:)`` or
/// ``apply(environment:)``, never from `getenv`.
public struct ServerConfiguration: Sendable {
  /// TCP port (`--port`, default 3632).
  public var port: Int = 3632
  /// Address to bind (`--listen`); `nil` binds `0.0.0.0` like 3.4.
  public var listenAddress: String? = nil
  /// Seconds without an open connection after which ``Server/run(listeners:)`` returns (`--idle-exit`);
  /// 0 = never. Only for listening sockets a service manager keeps open and starts the daemon again on.
  public var idleExit: Int = 0
  /// The client access list (`--allow`, `--allow-private`). Empty means loopback only (secure default).
  public var accessList: AccessList = AccessList()
  /// Maximum concurrent compiles (`--jobs`, default CPUs + 2).
  public var jobs: Int = ServerConfiguration.onlineProcessors + 2
  /// Maximum open connections, reading or compiling.
  public var maxConnections: Int = 1024
  /// Maximum open connections from one client address (far above any `make -j`).
  public var maxConnectionsPerAddress: Int = 64
  /// Memory all connections together may hold for request bodies, raw and decompressed
  /// (`--max-request-memory`, default ``defaultMaxRequestMemory``). A request that cannot reserve its
  /// next body buffer is refused.
  public var maxRequestMemory: Int = ServerConfiguration.defaultMaxRequestMemory
  /// Largest body of one request, on the wire and decompressed (`--max-body-size`, default 256 MiB).
  public var maxBodySize: Int = DecodingLimits.daemonDefault.maxDecompressedLength
  /// Seconds after which the whole daemon exits (`--lifetime`); 0 = never.
  public var lifetime: Int = 0
  /// Seconds a compile may run before it is killed (`--job-lifetime`); 0 = no limit.
  public var jobLifetime: Int = 0
  /// Serve the `<distccstats>` page (`--stats`) on ``statsPort``.
  public var statsEnabled: Bool = false
  /// `--stats-port`: the port of the statistics page (default 3633).
  public var statsPort: Int = 3633
  /// Disable the compiler whitelist (`--enable-tcp-insecure`).
  public var insecureCompilers: Bool = false
  /// How compilers are confined: Landlock, `no_new_privs`, resource limits (Docs/security.md).
  public var confinement = CompilerConfinement()
  /// The extensions beyond 3.4 announced after every complete reply (`XCAP`, Docs/protocol.md
  /// "Extensions") and accepted in requests (`XREQ`); `nil` announces nothing, as a 3.4 daemon.
  public var announcedExtensions: Extensions? =
    Zstd.isAvailable
    ? [.zstd, .compilerIdentity, .directivesOnly, .rewrittenIncludes]
    : [.compilerIdentity, .directivesOnly, .rewrittenIncludes]
  /// Masquerade directories checked by the whitelist, in order (3.4: `<libdir>/distcc`, `/usr/lib/distcc`).
  public var masqueradeDirectories: [String] = ["/usr/lib/distcc"]

  // Environment (daemon.md §12).
  /// Replaces `PATH` for finding compilers (`DISTCCD_PATH`); `nil` keeps ``inheritedPath``.
  public var compilerPath: String? = nil
  /// The daemon's own `PATH`.
  public var inheritedPath: String = "/usr/local/bin:/usr/bin:/bin"
  /// `DISTCC_CMDLIST` file and `DISTCC_CMDLIST_NUMWORDS`.
  public var commandList: String? = nil
  /// `DISTCC_CMDLIST_NUMWORDS`: how many trailing path words of a command are matched against the list.
  public var commandListWords: Int = 1
  /// Directory for temp files and job roots (`TMPDIR`, default `/tmp`).
  public var temporaryDirectory: String = "/tmp"
  /// Keep temp files (`DISTCC_SAVE_TEMPS=1`).
  public var saveTemporaries: Bool = false
  /// `DISTCC_IO_TIMEOUT` seconds: the whole-request deadline and the reply deadline.
  public var ioTimeout: Int = 300
  /// Set `TCP_DEFER_ACCEPT` on the listening socket (`DISTCC_TCP_DEFER_ACCEPT=0` turns it off).
  public var tcpDeferAccept: Bool = true
  /// Seconds one read of a request may wait for bytes (a real client is silent while it preprocesses).
  public var readTimeout: Int = 300
  /// Seconds in-flight jobs get to finish after SIGTERM.
  public var shutdownGracePeriod: Int = 30
  /// The environment compilers run with (`K=V`).
  public var compilerEnvironment: [String] = []

  /// The default configuration: 3.4's defaults, secure access list.
  public init() {}

  /// The default configuration with the environment variables of daemon.md §12 applied.
  /// - Throws: ``ServerError/badEnvironment(name:value:)`` for a bad `DISTCC_IO_TIMEOUT`
  ///   or `DISTCC_CMDLIST_NUMWORDS`.
  public init(environment: [String: String]) throws(ServerError) {
    self.init()
    try apply(environment: environment)
  }

  /// Applies the environment variables of daemon.md §12.
  public mutating func apply(environment: [String: String]) throws(ServerError) {
    if let path = environment["PATH"] { inheritedPath = path }
    compilerPath = environment["DISTCCD_PATH"]
    if let list = environment["DISTCC_CMDLIST"], !list.isEmpty { commandList = list }
    if let words = environment["DISTCC_CMDLIST_NUMWORDS"] {
      guard let value = Int(words), value > 0 else {
        throw .badEnvironment(name: "DISTCC_CMDLIST_NUMWORDS", value: words)
      }
      commandListWords = value
    }
    if let tmp = environment["TMPDIR"], !tmp.isEmpty { temporaryDirectory = tmp }
    saveTemporaries = environment["DISTCC_SAVE_TEMPS"] == "1"
    if let timeout = environment["DISTCC_IO_TIMEOUT"] {
      guard let value = Int(timeout), value > 0 else {
        throw .badEnvironment(name: "DISTCC_IO_TIMEOUT", value: timeout)
      }
      ioTimeout = value
      readTimeout = value
    }
    tcpDeferAccept = environment["DISTCC_TCP_DEFER_ACCEPT"] != "0"
    var env = environment
    env["PATH"] = compilerPath ?? inheritedPath
    env["_DISTCC_SAFEGUARD"] = "1"
    compilerEnvironment = env.map { "\($0.key)=\($0.value)" }.sorted()
  }

  /// The search path for compiler names without a `/`.
  var searchPath: String { compilerPath ?? inheritedPath }

  /// A quarter of physical memory, at most 2 GiB (256 MiB if the size is unknown).
  public static var defaultMaxRequestMemory: Int {
    let memory = SystemResources.physicalMemory
    return memory > 0 ? min(memory / 4, 2 << 30) : 256 << 20
  }

  /// The request limits for this configuration, reserving from `budget`.
  func decodingLimits(budget: (any ByteBudget)?) -> DecodingLimits {
    var limits = DecodingLimits.daemonDefault
    limits.maxDecompressedLength = maxBodySize
    limits.maxBodyLength = min(limits.maxBodyLength, maxBodySize)
    limits.budget = budget
    return limits
  }

  /// Number of online processors (`sysconf(_SC_NPROCESSORS_ONLN)`).
  public static var onlineProcessors: Int { SystemResources.onlineProcessors }
}
