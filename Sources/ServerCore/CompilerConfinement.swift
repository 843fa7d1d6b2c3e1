import DistPosix
import SystemPackage

/// How compilers are confined (Docs/security.md): resource limits, `no_new_privs` and, where the kernel
/// has it, Landlock (writes only beneath the job directory, execution only from system directories, no
/// TCP), all applied in the child between fork and exec.
public struct CompilerConfinement: Sendable {
  /// Confine compilers at all (`--no-sandbox` turns it off: 3.4's behaviour).
  public var enabled: Bool = true
  /// `--limit-as` bytes (`RLIMIT_AS`); nil: inherited.
  public var addressSpace: UInt64? = 8 << 30
  /// `--limit-cpu` seconds (`RLIMIT_CPU`).
  public var cpuSeconds: UInt64? = 3600
  /// `--limit-fsize` bytes (`RLIMIT_FSIZE`): no file the compiler writes grows past it.
  public var fileSize: UInt64? = 4 << 30
  /// `--limit-nproc` (`RLIMIT_NPROC`, counted by the kernel over all processes of the daemon's user).
  public var processes: UInt64? = nil

  var limits: ResourceLimits {
    ResourceLimits(
      addressSpace: addressSpace, cpuSeconds: cpuSeconds, fileSize: fileSize, processes: processes)
  }

  /// The default confinement.
  public init() {}

  /// The start-up line: what confinement this kernel gives compilers (said once).
  public var startupNote: (level: ServerLogger.Level, text: String) {
    guard enabled else { return (.warning, "compilers run unconfined (--no-sandbox)") }
    guard let abi = Landlock.abiVersion() else {
      return (
        .warning,
        "Landlock is not available in this kernel: compilers run with resource limits and no_new_privs only, not confined to their job directory"
      )
    }
    return (.info, Landlock.capabilities(abi: abi))
  }

  /// Starts `request` confined to `jobDirectory` (also its `TMPDIR`), as ``SpawnedProcess/spawn(_:)`` would
  /// start it unconfined.
  func spawn(_ request: SpawnedProcess.Request, jobDirectory: String) -> Result<
    SpawnedProcess, Errno
  > {
    guard enabled else { return SpawnedProcess.spawn(request) }
    let environment =
      request.environment.filter { !$0.hasPrefix("TMPDIR=") } + ["TMPDIR=\(jobDirectory)"]
    let landlock =
      Landlock.abiVersion() == nil
      ? nil
      : Landlock.Rules(
        writableDirectories: [jobDirectory],
        executableDirectories: Landlock.systemExecutableDirectories
          + CompilerConfinement.compilerRoots(request.executable, jobDirectory: jobDirectory))
    return request.withSpawnRequest(environment: environment) { spawn in
      do throws(PosixError) {
        return .success(
          SpawnedProcess(
            child: try ChildProcess.spawnConfined(spawn, limits: limits, landlock: landlock)))
      } catch {
        return .failure(error.errno ?? .notPermitted)
      }
    }
  }

  /// The job directory: the directory of a file the job owns (its object file).
  static func directory(containing path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return String(path[..<slash])
  }

  /// Where a compiler outside the system directories (`DISTCC_CMDLIST`, `--enable-tcp-insecure`) may
  /// execute from: its installation prefix (`/opt/tc` for `/opt/tc/bin/gcc`, so that its `cc1` runs), or,
  /// when that prefix holds the job directory (a compiler kept under `TMPDIR`), only the compiler file.
  static func compilerRoots(_ executable: String, jobDirectory: String) -> [String] {
    let real = (try? Paths.resolved(executable)) ?? executable
    let prefix = directory(containing: directory(containing: real))
    if prefix.isEmpty || prefix == "/" || (jobDirectory + "/").hasPrefix(prefix + "/") {
      return Array(Set([executable, real]))
    }
    return [prefix]
  }
}
