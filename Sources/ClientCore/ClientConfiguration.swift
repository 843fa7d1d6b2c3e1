import SystemPackage

/// Everything the client reads from its environment, parsed once (client.md §15).
///
/// Libraries never read the process environment: the executable passes it in, and an embedding build tool may
/// run several configurations in one process. Variables are read with distcc 3.4's quirks: booleans understand
/// only `1` and `0`, `DISTCC_BACKOFF_PERIOD` is read with `atoi`, `DISTCC_SKIP_LOCAL_RETRY` and
/// `DISTCC_NO_REWRITE_CROSS` count when set to anything.
public struct ClientConfiguration: Sendable {
  /// The environment children (preprocessor, compiler, ssh) run with, minus `_DISTCC_SAFEGUARD`, which each
  /// spawn sets to `safeguardLevel + 1`.
  public var environment: [String: String]
  /// `DISTCC_HOSTS`, when set (even to the empty string).
  public var hostsVariable: String?
  /// `$DISTCC_DIR`, else `$HOME/.distcc`; `nil` when neither `DISTCC_DIR` nor `HOME` is set.
  public var distccDirectory: String?
  /// The system-wide host file consulted last.
  public var systemHostsFile: String = "/etc/distcc/hosts"
  /// Log threshold: `.debug` with `DISTCC_VERBOSE=1`, `.info` with `DISTCC_LOG`, else `.warning`.
  public var logLevel: LogLevel
  /// `DISTCC_LOG`, when set and non-empty.
  public var logFile: String?
  /// `UNCACHED_ERR_FD`, when set, non-zero, and `DISTCC_LOG` is not.
  public var uncachedErrorDescriptor: Int32?
  /// `DISTCC_FALLBACK` is not `0`: a job that cannot be distributed is compiled locally.
  public var fallsBackToLocal: Bool
  /// `DISTCC_DIRECTIVES_ONLY` is not `0`: gcc jobs sent to daemons that announced it are preprocessed
  /// directives-only (Docs/distcc.md).
  public var usesDirectivesOnly: Bool
  /// `DISTCC_DIRECTIVES_ONLY` is `1`: clang 14 jobs sent to daemons that announced it are preprocessed with
  /// `-frewrite-includes` too. Off by default: unlike gcc's mode it saves the client no preprocessing and
  /// sends 2.8× the bytes (Docs/performance.md); what it buys is a local compile's diagnostics.
  public var rewritesClangIncludes: Bool
  /// `DISTCC_SKIP_LOCAL_RETRY` is set: a remote compile error is reported instead of retried locally.
  public var skipsLocalRetry: Bool
  /// `DISTCC_BACKOFF_PERIOD` in seconds (default 60); 0 disables backoff files.
  public var backoffPeriod: Int
  /// `DISTCC_EXTENSIONS_PERIOD` in seconds (default 600): how long a host's announced extensions beyond 3.4
  /// are trusted (`HostExtensions`); 0 never uses them, so every request is 3.4's.
  public var extensionsPeriod: Int
  /// `DISTCC_MISMATCH_PERIOD` in seconds (default 600): how long a host found to run another compiler than
  /// ours gets no job with this compiler (`CompilerPauses`); 0 never pauses.
  public var mismatchPeriod: Int
  /// `DISTCC_IO_TIMEOUT` in seconds (default 300); `nil` when the value is not a positive integer, which fails
  /// a job when it first needs the network, as in 3.4.
  public var ioTimeout: Int?
  /// The raw `DISTCC_IO_TIMEOUT` text, for the error message.
  public var ioTimeoutText: String?
  /// `DISTCC_PAUSE_TIME_MSEC`: the sleep between rounds when every slot is busy (default 1000).
  public var pauseMilliseconds: Int
  /// Host choice: `DISTCC_SCHEDULER=3.4` selects distcc 3.4's list order with one-second pauses; anything
  /// else the adaptive scheduler (`SchedulingHostChooser`, Docs/scheduling.md).
  public var scheduler: Scheduler
  /// The host choosers `DistributedCompiler` picks from.
  public enum Scheduler: Sendable, Equatable { case adaptive, lockFiles }
  /// `DISTCC_SAVE_TEMPS=1`.
  public var savesTemporaryFiles: Bool
  /// `DISTCC_SSH` when set and not empty: SSH hosts are reached by running that program (3.4's way);
  /// otherwise in process through libssh2.
  public var externalSSH: String?
  /// `DISTCC_SSH_PERSIST`: seconds an SSH connection broker stays after its last job (default 60); 0 opens
  /// one SSH connection per job, as 3.4 does.
  public var sshPersistSeconds: Int
  /// The executable started as SSH connection broker (`distcc` itself, `SSHBrokerMode`); `nil` (an embedding
  /// build tool that did not set it) opens one SSH connection per job.
  public var sshBrokerProgram: String?
  /// `DISTCC_NO_REWRITE_CROSS` is not set: compiler names are rewritten for cross compilation (client.md §3.4).
  public var rewritesCompilerNames: Bool
  /// `$TMPDIR`, or `/tmp` when unset or empty.
  public var temporaryDirectory: String
  /// The recursion-guard level from `_DISTCC_SAFEGUARD` (client.md §3.5).
  public var safeguardLevel: Int
  /// Set by masquerade mode when it trimmed `PATH` (client.md §3.3).
  public var pathWasTrimmed: Bool = false
  /// The GNU triple used for compiler-name rewriting (`x86_64-pc-linux-gnu` on Debian amd64).
  public var buildTriple: String = ClientConfiguration.defaultBuildTriple
  /// Where compiler output relayed from a server goes: standard output and standard error descriptors.
  public var standardOutput: Int32 = 1
  /// See `standardOutput`.
  public var standardError: Int32 = 2
  /// A call of the async API: where children write their standard output and error (its capture files;
  /// `nil`: inherited), the directory relative paths are taken from (`nil`: the process's), and what
  /// cancelling it stops.
  var capturedOutput: FileDescriptor?
  var capturedError: FileDescriptor?
  var workingDirectory: String?
  var cancellation: CompileCancellation?

  /// Parses `environment` (normally the process environment, read once by the executable).
  /// - Throws: nothing today; invalid values are kept and reported when used, as 3.4 does.
  public init(environment: [String: String]) throws(ClientError) {
    var environment = environment
    let safeguard = environment.removeValue(forKey: "_DISTCC_SAFEGUARD")
    self.environment = environment
    hostsVariable = environment["DISTCC_HOSTS"]
    if let directory = environment["DISTCC_DIR"] {
      distccDirectory = directory
    } else if let home = environment["HOME"] {
      distccDirectory = home + "/.distcc"
    } else {
      distccDirectory = nil
    }
    let verbose = environment["DISTCC_VERBOSE"] == "1"
    if let log = environment["DISTCC_LOG"], !log.isEmpty {
      logFile = log
      logLevel = verbose ? .debug : .info
      uncachedErrorDescriptor = nil
    } else {
      logFile = nil
      logLevel = verbose ? .debug : .warning
      let fd = environment["UNCACHED_ERR_FD"].map { Int32(clamping: atoi($0)) } ?? 0
      uncachedErrorDescriptor = fd > 0 ? fd : nil
    }
    fallsBackToLocal = environment["DISTCC_FALLBACK"] != "0"
    skipsLocalRetry = environment["DISTCC_SKIP_LOCAL_RETRY"] != nil
    usesDirectivesOnly = environment["DISTCC_DIRECTIVES_ONLY"] != "0"
    rewritesClangIncludes = environment["DISTCC_DIRECTIVES_ONLY"] == "1"
    backoffPeriod = environment["DISTCC_BACKOFF_PERIOD"].map(atoi) ?? 60
    extensionsPeriod = max(0, environment["DISTCC_EXTENSIONS_PERIOD"].map(atoi) ?? 600)
    mismatchPeriod = max(0, environment["DISTCC_MISMATCH_PERIOD"].map(atoi) ?? 600)
    if let text = environment["DISTCC_IO_TIMEOUT"] {
      ioTimeoutText = text
      ioTimeout = Int(text).flatMap { $0 > 0 ? $0 : nil }
    } else {
      ioTimeout = 300
    }
    pauseMilliseconds = environment["DISTCC_PAUSE_TIME_MSEC"].map(atoi) ?? 1000
    scheduler = environment["DISTCC_SCHEDULER"] == "3.4" ? .lockFiles : .adaptive
    savesTemporaryFiles = environment["DISTCC_SAVE_TEMPS"] == "1"
    externalSSH = environment["DISTCC_SSH"].flatMap { $0.isEmpty ? nil : $0 }
    sshPersistSeconds = environment["DISTCC_SSH_PERSIST"].map { max(0, atoi($0)) } ?? 60
    sshBrokerProgram = nil
    rewritesCompilerNames = environment["DISTCC_NO_REWRITE_CROSS"] == nil
    let tmp = environment["TMPDIR"] ?? ""
    temporaryDirectory = tmp.isEmpty ? "/tmp" : tmp
    if let safeguard {
      let level = atoi(safeguard)
      safeguardLevel = level > 0 ? level : 1
    } else {
      safeguardLevel = 0
    }
  }

  /// The lock directory, `<distcc dir>/lock`.
  public var lockDirectory: String? { distccDirectory.map { $0 + "/lock" } }
  /// `$DISTCC_DIR/caps`: what each host announced beyond 3.4 (``HostExtensions``).
  public var extensionsDirectory: String? { distccDirectory.map { $0 + "/caps" } }

  /// The environment of a child process, as `KEY=VALUE` strings, with `_DISTCC_SAFEGUARD` one level up.
  func childEnvironment() -> [String] {
    var result = environment.map { $0.key + "=" + $0.value }
    result.append("_DISTCC_SAFEGUARD=\(min(safeguardLevel + 1, 9))")
    return result
  }

  /// `childEnvironment()` as a dictionary.
  func childEnvironmentDictionary() -> [String: String] {
    var result = environment
    result["_DISTCC_SAFEGUARD"] = String(min(safeguardLevel + 1, 9))
    return result
  }

  /// `path` as this process opens it: relative paths are taken from `workingDirectory` when one is set.
  func resolve(_ path: String) -> String {
    guard let workingDirectory, !path.hasPrefix("/") else { return path }
    return workingDirectory + "/" + path
  }

  /// The `PATH` children use (possibly trimmed).
  var searchPath: String? { environment["PATH"] }

  static var defaultBuildTriple: String {
    #if arch(x86_64)
      "x86_64-pc-linux-gnu"
    #elseif arch(arm64)
      "aarch64-unknown-linux-gnu"
    #else
      "unknown-pc-linux-gnu"
    #endif
  }
}

/// C's `atoi`: optional blanks, an optional sign, then decimal digits up to the first non-digit; 0 if none.
func atoi(_ text: String) -> Int {
  var value = 0
  var negative = false
  var started = false
  for byte in text.utf8 {
    if !started {
      if byte == 0x20 || (0x09...0x0D).contains(byte) { continue }
      started = true
      if byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") {
        negative = byte == UInt8(ascii: "-")
        continue
      }
    }
    guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { break }
    let (product, overflow) = value.multipliedReportingOverflow(by: 10)
    guard !overflow else { break }
    value = product + Int(byte - UInt8(ascii: "0"))
  }
  return negative ? -value : value
}
