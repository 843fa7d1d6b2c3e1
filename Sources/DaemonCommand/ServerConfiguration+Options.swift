public import ServerCore

extension ServerConfiguration {
  /// The configuration `distccd` runs with: the environment's settings (daemon.md §12), then the options.
  ///
  /// - Parameter environment: the process environment, socket-activation variables already taken out.
  /// - Throws: ``ServerError`` for a bad environment value or `--allow` entry (exit 101).
  public init(options: DaemonOptions, environment: [String: String]) throws(ServerError) {
    try self.init(environment: environment)
    for spec in options.allow { try accessList.allow(spec) }
    if options.allowPrivate { accessList.allowPrivate() }
    if let jobs = options.jobs { self.jobs = jobs }
    port = options.port
    statsPort = options.statsPort
    statsEnabled = options.stats
    listenAddress = options.listen
    lifetime = max(0, options.lifetime)
    jobLifetime = max(0, options.jobLifetime)
    insecureCompilers = options.enableTcpInsecure || options.makeMeABotnet
    maxConnections = max(1, options.maxConnections)
    maxConnectionsPerAddress = max(1, options.maxPerAddress)
    shutdownGracePeriod = max(0, options.shutdownGrace)
    if let bytes = try? options.requestMemoryBytes { maxRequestMemory = bytes }
    if let bytes = try? options.bodySizeBytes { maxBodySize = bytes }
    confinement.enabled = !options.noSandbox
    /// An option's limit: 0 means inherited (no limit of ours), absent keeps the default.
    func limit(_ value: UInt64?, default fallback: UInt64?) -> UInt64? {
      value.map { $0 == 0 ? nil : $0 } ?? fallback
    }
    confinement.addressSpace = limit(options.limitAs, default: confinement.addressSpace)
    confinement.cpuSeconds = limit(options.limitCPU, default: confinement.cpuSeconds)
    confinement.fileSize = limit(options.limitFileSize, default: confinement.fileSize)
    confinement.processes = limit(options.limitProcesses, default: nil)
  }
}
