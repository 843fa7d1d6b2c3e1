// distccd: the distcc daemon. Maps 3.4's options (daemon.md §1) and environment (§12) onto
// ServerConfiguration, and ServerError onto 3.4's exit codes (§9).
import ArgumentParser
import DistPosix
import Glibc
import ServerCore
import SystemPackage

struct Options: ParsableArguments {
  @Flag(name: .customLong("daemon")) var daemon = false
  @Flag var inetd = false
  @Flag(name: .customLong("no-detach")) var noDetach = false
  @Flag(name: .customLong("no-fork")) var noFork = false
  @Flag(name: .customLong("no-fifo")) var noFifo = false
  @Flag(name: [.customShort("W"), .customLong("wizard")]) var wizard = false
  @Option(name: [.customShort("p"), .customLong("port")]) var port: Int = 3632
  @Option(name: .customLong("listen")) var listen: String?
  @Option(name: [.customShort("a"), .customLong("allow")]) var allow: [String] = []
  @Flag(name: .customLong("allow-private")) var allowPrivate = false
  @Option(name: [.customShort("j"), .customLong("jobs")]) var jobs: Int?
  @Option(name: [.customShort("N"), .customLong("nice")]) var nice: Int = 5
  @Option(name: .customLong("user")) var user: String?
  @Option(name: [.customShort("P"), .customLong("pid-file")]) var pidFile: String?
  @Option(name: .customLong("log-file")) var logFile: String?
  @Option(name: .customLong("log-level")) var logLevel: String?
  @Flag(name: .customLong("verbose")) var verbose = false
  @Flag(name: .customLong("log-stderr")) var logStderr = false
  @Option(name: .customLong("lifetime")) var lifetime: Int = 0
  @Option(name: .customLong("idle-exit")) var idleExit: Int = 0
  @Option(name: .customLong("job-lifetime")) var jobLifetime: Int = 0
  @Flag(name: .customLong("stats")) var stats = false
  @Option(name: .customLong("stats-port")) var statsPort: Int = 3633
  @Flag(name: .customLong("enable-tcp-insecure")) var enableTcpInsecure = false
  @Flag(name: .customLong("make-me-a-botnet")) var makeMeABotnet = false
  @Flag(name: .customLong("zeroconf")) var zeroconf = false
  @Flag(name: .customLong("auth")) var auth = false
  @Option(name: .customLong("blacklist")) var blacklist: String?
  @Option(name: .customLong("whitelist")) var whitelist: String?
  @Flag(name: .customLong("show-principal")) var showPrincipal = false
  @Option(name: .customLong("max-connections")) var maxConnections: Int = 1024
  @Option(name: .customLong("max-connections-per-address")) var maxPerAddress: Int = 64
  @Option(name: .customLong("shutdown-grace")) var shutdownGrace: Int = 30
  @Option(name: .customLong("max-request-memory")) var maxRequestMemory: String?
  @Option(name: .customLong("max-body-size")) var maxBodySize: String?
  @Option(name: .customLong("limit-as")) var limitAs: UInt64?
  @Option(name: .customLong("limit-cpu")) var limitCPU: UInt64?
  @Option(name: .customLong("limit-fsize")) var limitFileSize: UInt64?
  @Option(name: .customLong("limit-nproc")) var limitProcesses: UInt64?
  @Flag(name: .customLong("no-sandbox")) var noSandbox = false
  @Flag(name: .customLong("help")) var help = false
  @Flag(name: .customLong("version")) var version = false

  static let configuration = CommandConfiguration(commandName: "distccd", helpNames: [])
}

let versionText = """
  distccd 3.4 x86_64-pc-linux-gnu (swift-distcc)
    (protocols 1, 2 and 3) (default port 3632)

  Copyright (C) 2002, 2003, 2004 by Martin Pool.
  Includes miniLZO (C) 1996-2002 by Markus Franz Xaver Johannes Oberhumer.
  Portions Copyright (C) 2007-2008 Google.
  swift-distcc: a Swift reimplementation speaking the same protocol.

  distcc comes with ABSOLUTELY NO WARRANTY.  distcc is free software, and
  you may use, modify and redistribute it under the terms of the GNU
  General Public License version 2 or later.

  """

let helpText = """
  Usage:
     distccd [OPTIONS]

  distccd is the volunteer side of distcc: it accepts compile jobs from distcc clients over TCP
  (port 3632) or over a pipe (--inetd, used by SSH mode), runs the compiler and sends the results back.

  Modes:
    --daemon                   serve network connections (the default unless stdin is a socket)
    --inetd                    serve one job on stdin/stdout, then exit (SSH mode, inetd)
    --no-detach                with --daemon, stay in the foreground
    --no-fork                  accepted for compatibility (distccd is always a single process)
    -W, --wizard               --daemon --no-detach --log-stderr --log-level=debug

  Network:
    -p, --port PORT            TCP port to listen on (default 3632)
        --listen ADDRESS       address to bind (default 0.0.0.0); also used by --stats
    -a, --allow ADDR[/BITS]    accept clients from this IPv4/IPv6 address or network; repeatable.
                               IPv4 entries also match IPv4-mapped IPv6 clients
        --allow-private        accept 192.168.0.0/16, 10.0.0.0/8, 172.16.0.0/12, 127.0.0.0/8,
                               fe80::/10, fc00::/7 and ::1
                               Without --allow or --allow-private only loopback clients
                               (127.0.0.0/8, ::1) are accepted. In --inetd mode a peer that is not
                               an IP socket (a pipe, sshd's socket) is always served.
        --max-connections N    open connections at most, reading or compiling (default 1024)
        --max-connections-per-address N
                               open connections from one address at most (default 64)

  Jobs:
    -j, --jobs N               compile at most N jobs at once, 1-200 (default: CPUs + 2).
                               Reading a request does not take a job slot.
    -N, --nice N               nice increment for the daemon and its compilers (default 5)
        --job-lifetime SECONDS kill a compile that runs longer (default 0: no limit)
        --lifetime SECONDS     exit after this many seconds (default 0: never)
        --idle-exit SECONDS    socket-activated (LISTEN_FDS): exit after this many seconds
                               without a connection; systemd starts it again on the next
                               (default 0: never)
        --enable-tcp-insecure  disable the compiler whitelist (the masquerade directory
                               /usr/lib/distcc, or DISTCC_CMDLIST)
        --shutdown-grace SECONDS
                               after SIGTERM, time in-flight jobs get to finish (default 30)
        --max-request-memory BYTES
                               memory all connections together may hold for request bodies,
                               raw and decompressed; a request that would exceed it is refused
                               (default: a quarter of RAM, at most 2G). Suffixes K, M, G
        --max-body-size BYTES  largest body (.i or file) of one request, on the wire and
                               decompressed (default 256M). Suffixes K, M, G

  Security:
        --user USER            account to run as when started as root (default: distccd,
                               then distcc, then nobody, then uid 65534)
        --limit-as BYTES       address space of each compiler (default 8 GiB; 0: inherited)
        --limit-cpu SECONDS    CPU time of each compiler (default 3600; 0: inherited)
        --limit-fsize BYTES    largest file a compiler writes (default 4 GiB; 0: inherited)
        --limit-nproc N        processes of the daemon's user while a compiler runs (default:
                               inherited)
        --no-sandbox           run compilers unconfined, as distcc 3.4 does (no Landlock, no
                               no_new_privs, no limits). See Docs/security.md.

  Logging and status:
    -P, --pid-file FILE        write the daemon's pid to FILE; removed at exit
        --log-file FILE        append log lines to FILE (default: syslog)
        --log-level LEVEL      emerg, alert, crit, err, warn, notice (default), info, debug
        --verbose              same as --log-level=debug
        --log-stderr           log to stderr
        --stats                serve the <distccstats> page (HTTP) on --stats-port, and
                               GET /metrics (Prometheus) and GET /stats.json (JSON)
        --stats-port PORT      (default 3633)

  Accepted for compatibility, not supported: --zeroconf, --auth, --blacklist, --whitelist,
  --show-principal, --no-fifo.

  Environment:
    LISTEN_PID, LISTEN_FDS     systemd socket activation: serve these listening sockets
                               (Accept=no) or this one connection (Accept=yes) instead of binding
    DISTCCD_PATH               search path for compilers (default: inherited PATH)
    DISTCC_CMDLIST             file listing the allowed compilers, one full path per line
    DISTCC_CMDLIST_NUMWORDS    trailing path components compared with DISTCC_CMDLIST (default 1)
    TMPDIR                     directory for job files (default /tmp)
    DISTCC_SAVE_TEMPS          1 = keep job files
    DISTCC_IO_TIMEOUT          seconds a client may take to send a request or receive a reply
                               (default 300)

  Exit status: 0 success; 101 bad option or environment; 102 cannot bind; 103 accept failed;
  107 TMPDIR unusable; 110 no /usr/lib/distcc; 112 cannot drop root.

  """

func fail(_ message: String, _ code: Int32) -> Never {
  let line = Array("distccd: ERROR: \(message)\n".utf8)
  _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
  exit(code)
}

func warn(_ message: String) {
  let line = Array("distccd[\(getpid())] Warning: \(message)\n".utf8)
  _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

/// 3.4's exit code for each start-up failure (daemon.md §9).
func exitCode(for error: ServerError) -> Int32 {
  switch error {
  case .badEnvironment, .badAllowEntry, .badListenAddress: 101
  case .bindFailed: 102
  case .acceptFailed: 103
  case .temporaryDirectoryUnusable: 107
  case .noMasqueradeDirectory: 110
  case .privilegeDropFailed: 112
  case .detachFailed, .pidFileFailed: 105
  }
}

let arguments = Array(CommandLine.arguments.dropFirst())
let options: Options
do { options = try Options.parse(arguments) } catch {
  fail(Options.message(for: error), 101)
}
if options.help {
  print(versionText + helpText, terminator: "")
  exit(0)
}
if options.version {
  print(versionText, terminator: "")
  exit(0)
}
if options.showPrincipal {
  print("Principal\t: Not Set")
  exit(0)
}
if options.blacklist != nil && options.whitelist != nil {
  fail("Can't specify both --whitelist and --blacklist.", 101)
}
if options.auth { fail("--auth (GSS-API) is not supported by this distccd", 101) }
if options.zeroconf { warn("--zeroconf is not supported by this distccd; ignored") }

// Request bodies of 1 MiB and more get their own mappings, returned to the kernel when freed: the
// resident size then follows --max-request-memory instead of keeping freed bodies in malloc's arenas
// (a fixed threshold also stops glibc from raising it to 32 MiB after the first large free).
ProcessEnvironment.setMmapThreshold(1 << 20)

// Socket activation (sd_listen_fds): taken, and LISTEN_* removed, before the environment is read for
// the compilers.
let inherited: InheritedSockets?
do { inherited = try InheritedSockets.take() } catch { fail(error.description, 101) }
let environment = ProcessEnvironment.current()
var configuration: ServerConfiguration
do {
  configuration = try ServerConfiguration(environment: environment)
  for spec in options.allow { try configuration.accessList.allow(spec) }
} catch { fail(error.description, exitCode(for: error)) }
if options.allowPrivate { configuration.accessList.allowPrivate() }
if let jobs = options.jobs {
  guard (1...200).contains(jobs) else { fail("--jobs argument must be between 1 and 200", 101) }
  configuration.jobs = jobs
}
guard (1...65535).contains(options.port) else {
  fail("port number out of range: \(options.port)", 101)
}
guard (1...65535).contains(options.statsPort) else {
  fail("port number out of range: \(options.statsPort)", 101)
}
configuration.port = options.port
configuration.statsPort = options.statsPort
configuration.statsEnabled = options.stats
configuration.listenAddress = options.listen
configuration.niceIncrement = options.nice
configuration.user = options.user
configuration.pidFile = options.pidFile
configuration.lifetime = max(0, options.lifetime)
configuration.jobLifetime = max(0, options.jobLifetime)
configuration.insecureCompilers = options.enableTcpInsecure || options.makeMeABotnet
configuration.maxConnections = max(1, options.maxConnections)
configuration.maxConnectionsPerAddress = max(1, options.maxPerAddress)
configuration.shutdownGracePeriod = max(0, options.shutdownGrace)
/// BYTES with an optional K, M or G suffix (powers of 1024).
func byteCount(_ text: String, option: String) -> Int {
  let shifts: [Character: Int] = ["K": 10, "k": 10, "M": 20, "m": 20, "G": 30, "g": 30]
  let shift = text.last.flatMap { shifts[$0] } ?? 0
  let digits = shift > 0 ? text.dropLast() : Substring(text)
  guard let value = Int(digits), value > 0, value <= Int.max >> shift else {
    fail("invalid \(option) argument \"\(text)\": expected a positive size such as 512M", 101)
  }
  return value << shift
}
if let text = options.maxRequestMemory {
  configuration.maxRequestMemory = byteCount(text, option: "--max-request-memory")
}
if let text = options.maxBodySize {
  configuration.maxBodySize = byteCount(text, option: "--max-body-size")
}
configuration.noDetach = options.noDetach || options.wizard
configuration.confinement.enabled = !options.noSandbox
func limit(_ value: UInt64?, default fallback: UInt64?) -> UInt64? {
  value.map { $0 == 0 ? nil : $0 } ?? fallback
}
configuration.confinement.addressSpace = limit(
  options.limitAs, default: configuration.confinement.addressSpace)
configuration.confinement.cpuSeconds = limit(
  options.limitCPU, default: configuration.confinement.cpuSeconds)
configuration.confinement.fileSize = limit(
  options.limitFileSize, default: configuration.confinement.fileSize)
configuration.confinement.processes = limit(options.limitProcesses, default: nil)

var level = ServerLogger.Level.notice
if let name = options.logLevel {
  if let parsed = ServerLogger.Level(name: name) {
    level = parsed
  } else {
    warn("invalid --log-level argument \"\(name)\"")
  }
}
if options.verbose || options.wizard { level = .debug }

// Mode (daemon.md §2.1 step 3).
let stdinIsSocket =
  Glibc.isatty(0) == 0
  && {
    var info = stat()
    return fstat(0, &info) == 0 && info.st_mode & S_IFMT == S_IFSOCK
  }()
if options.inetd || (!options.daemon && !options.wizard && stdinIsSocket) {
  configuration.mode = .inetd
}
// Accept=no hands over listening sockets (served by one daemon that stays in the foreground); Accept=yes
// without StandardInput=socket hands over one connection as fd 3.
var inetdSocket = FileDescriptor(rawValue: 0)
if let inherited {
  configuration.listeners = inherited.descriptors.filter(Socket.isListening)
  if configuration.listeners.isEmpty, let connection = inherited.descriptors.first {
    configuration.mode = .inetd
    inetdSocket = connection
  } else if configuration.mode == .standalone {
    configuration.noDetach = true
  }
}
// --idle-exit only where a service manager keeps the socket and starts the daemon again: the same unit
// may run with or without its socket, so elsewhere it is ignored with a warning.
if options.idleExit < 0 { fail("--idle-exit argument must be 0 or more seconds", 101) }
if options.idleExit > 0 && configuration.listeners.isEmpty {
  warn("--idle-exit is ignored: distccd was not given listening sockets (LISTEN_FDS)")
} else {
  configuration.idleExit = options.idleExit
}
if configuration.mode == .standalone && configuration.accessList.isLoopbackOnly {
  warn(
    "No --allow option specified: accepting connections from loopback addresses only (127.0.0.0/8, ::1)."
  )
}

// Detach (re-spawn in a new session; never fork from Swift).
if configuration.mode == .standalone && !configuration.noDetach
  && environment["_DISTCCD_DETACHED"] == nil
{
  do {
    try Server(configuration: configuration, logger: ServerLogger(destination: .none))
      .checkListenAddresses()
  } catch {
    fail(error.description, exitCode(for: error))
  }
  var childEnvironment = environment
  childEnvironment["_DISTCCD_DETACHED"] = "1"
  do {
    _ = try Detach.respawnInNewSession(
      executable: "/proc/self/exe", arguments: [CommandLine.arguments[0]] + arguments,
      environment: childEnvironment.map { "\($0.key)=\($0.value)" })
  } catch { fail(error.description, exitCode(for: error)) }
  exit(0)
}

if options.nice != 0 {
  errno = 0
  if Glibc.nice(Int32(options.nice)) == -1 && errno != 0 { warn("nice \(options.nice) failed") }
}
if options.user != nil && getuid() != 0 && geteuid() != 0 {
  warn("--user is ignored when distccd is not run by root")
}
do {
  for message in try PrivilegeDrop.dropIfRoot(user: options.user) { warn(message) }
} catch { fail(error.description, exitCode(for: error)) }

var destination = ServerLogger.Destination.syslog
if options.logStderr || options.wizard {
  destination = .standardError
} else if let file = options.logFile {
  let fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o666)
  if fd >= 0 {
    destination = .file(descriptor: fd)
  } else {
    warn("failed to open \(file): \(Errno(rawValue: errno))")
  }
}
/// 3.4 dies by the signal that stopped it (`--lifetime`: SIGALRM).
func dieBy(_ signal: Int32) -> Never {
  Glibc.signal(signal, SIG_DFL)
  var set = sigset_t()
  sigemptyset(&set)
  sigaddset(&set, signal)
  pthread_sigmask(SIG_UNBLOCK, &set, nil)
  raise(signal)
  exit(128 + signal)
}

let logger = ServerLogger(destination: destination, level: level)
let server = Server(configuration: configuration, logger: logger)
do { try server.validateEnvironment() } catch { fail(error.description, exitCode(for: error)) }
if configuration.compilerPath == nil {
  logger.log(.info, "daemon's PATH is \(configuration.inheritedPath)")
}

if configuration.mode == .inetd {
  logger.log(.info, "inetd server started (swift-distcc)")
  let code = server.serveOne(
    input: inetdSocket,
    output: inetdSocket.rawValue == 0 ? FileDescriptor(rawValue: 1) : inetdSocket)
  if let signal = server.terminationSignal { dieBy(signal) }
  exit(code)
}

if let pidFile = configuration.pidFile {
  let text = "\(getpid())\n"
  let fd = open(pidFile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
  if fd < 0 {
    warn("failed to write pid file \(pidFile): \(Errno(rawValue: errno))")
  } else {
    _ = Array(text.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
  }
}
let pidFile = configuration.pidFile
func removePidFile() {
  if let pidFile, unlink(pidFile) != 0 {
    warn("failed to remove pid file \(pidFile): \(Errno(rawValue: errno))")
  }
}

do { try server.run() } catch {
  removePidFile()
  fail(error.description, exitCode(for: error))
}
removePidFile()
if let signal = server.terminationSignal { dieBy(signal) }
exit(0)
