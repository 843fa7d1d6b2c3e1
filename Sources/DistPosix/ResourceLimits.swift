internal import CDistPosix
internal import Glibc
internal import SystemPackage

/// `setrlimit` limits for a compiler: address space, CPU time, file size and process count. Nil leaves a
/// limit as inherited; a value above the inherited hard limit is lowered to it.
public struct ResourceLimits: Sendable, Equatable {
  /// `RLIMIT_AS`, bytes: allocation beyond it fails (the compiler reports "out of memory").
  public var addressSpace: UInt64?
  /// `RLIMIT_CPU`, seconds: `SIGXCPU` at the limit, `SIGKILL` one second later.
  public var cpuSeconds: UInt64?
  /// `RLIMIT_FSIZE`, bytes: a write beyond it fails and raises `SIGXFSZ`, which kills the compiler.
  public var fileSize: UInt64?
  /// `RLIMIT_NPROC`: processes of the daemon's user, counted by the kernel across all of them.
  public var processes: UInt64?

  public init(
    addressSpace: UInt64? = nil, cpuSeconds: UInt64? = nil, fileSize: UInt64? = nil,
    processes: UInt64? = nil
  ) {
    self.addressSpace = addressSpace
    self.cpuSeconds = cpuSeconds
    self.fileSize = fileSize
    self.processes = processes
  }

  /// (resource, soft, hard) for each limit that is set. Linux resource numbers (the same on x86_64 and
  /// aarch64; glibc's enum hides RLIMIT_NPROC from Swift).
  var entries: [(Int32, UInt64, UInt64)] {
    var result: [(Int32, UInt64, UInt64)] = []
    if let cpuSeconds { result.append((0, cpuSeconds, cpuSeconds &+ 1)) }
    if let fileSize { result.append((1, fileSize, fileSize)) }
    if let processes { result.append((6, processes, processes)) }
    if let addressSpace { result.append((9, addressSpace, addressSpace)) }
    return result
  }
}

extension ChildProcess {
  /// Starts `request` confined: the child applies `limits`, then (with `landlock`) `no_new_privs` and the
  /// Landlock rules, between fork and exec, so the program runs confined from its first instruction and
  /// the parent stays unrestricted. Forks in C (vfork; only system calls in the child), never in Swift.
  ///
  /// `request.searchPath` is honoured by resolving the name in the `PATH` of `request.environment`
  /// before forking. Signals all start at their defaults with an empty mask; descriptors beyond 0-2 are
  /// closed.
  ///
  /// - Throws: `PosixError` naming the executable if it could not be started, or the Landlock rule that
  ///   could not be built.
  public static func spawnConfined(
    _ request: SpawnRequest, limits: ResourceLimits, landlock: Landlock.Rules?
  ) throws(PosixError) -> ChildProcess {
    let path = try resolve(request)
    let ruleset = try landlock.map { rules throws(PosixError) in try Landlock.ruleset(rules) } ?? -1
    defer { if ruleset >= 0 { close(ruleset) } }
    let entries = limits.entries
    let resources = entries.map(\.0)
    let soft = entries.map(\.1)
    let hard = entries.map(\.2)
    var pid: pid_t = 0
    let environment = request.environment ?? currentEnvironment()
    let code = withCStrings(request.arguments) { argv in
      withCStrings(environment) { envp in
        cdp_spawn_confined(
          &pid, path, UnsafePointer(OpaquePointer(argv)), UnsafePointer(OpaquePointer(envp)),
          request.standardInput?.rawValue ?? -1, request.standardOutput?.rawValue ?? -1,
          request.standardError?.rawValue ?? -1, request.workingDirectory,
          request.newProcessGroup ? 1 : 0, resources, soft, hard, Int32(entries.count), ruleset)
      }
    }
    return try started(pid: pid, code: code, executable: request.executable)
  }

  /// The executable's path: as given, or found in the request's `PATH` like `execvp`.
  private static func resolve(_ request: SpawnRequest) throws(PosixError) -> String {
    guard request.searchPath, !request.executable.contains("/") else { return request.executable }
    let environment = request.environment ?? currentEnvironment()
    let prefix = Array("PATH=".utf8)
    let search =
      environment.first { $0.starts(with: prefix) }.map {
        String(decoding: $0.dropFirst(5), as: UTF8.self)
      }
      ?? "/usr/bin:/bin"
    for directory in search.split(separator: ":", omittingEmptySubsequences: false) {
      let candidate = (directory.isEmpty ? "." : String(directory)) + "/" + request.executable
      if access(candidate, X_OK) == 0 { return candidate }
    }
    throw PosixError.system(operation: "start \(request.executable)", errno: .noSuchFileOrDirectory)
  }

  private static func currentEnvironment() -> [[UInt8]] {
    var result: [[UInt8]] = []
    var pointer = environ
    while let entry = pointer.pointee {
      result.append(Array(String(cString: entry).utf8))
      pointer += 1
    }
    return result
  }
}
