internal import CDistPosix

/// `setrlimit` limits for a compiler: address space, CPU time, file size and process count. Nil leaves a
/// limit as inherited. A value above the current hard limit is lowered to it (an unprivileged process
/// cannot raise a hard limit).
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

  /// Whether no limit is set.
  public var isEmpty: Bool { entries.isEmpty }

  /// Applies the limits to this process (and so to every process it starts afterwards).
  public func applyToCurrentProcess() throws(PosixError) {
    for (resource, name, soft, hard) in entries {
      var currentSoft: UInt64 = 0
      var currentHard: UInt64 = 0
      _ = try syscall("getrlimit \(name)") { cdp_getrlimit(resource, &currentSoft, &currentHard) }
      _ = try syscall("setrlimit \(name)") {
        cdp_setrlimit(resource, Swift.min(soft, currentHard), Swift.min(hard, currentHard))
      }
    }
  }

  /// Applies the limits to another process of this user (`prlimit`).
  public func apply(to pid: Int32) throws(PosixError) {
    for (resource, name, soft, hard) in entries {
      _ = try syscall("prlimit \(pid) \(name)") { cdp_prlimit(pid, resource, soft, hard) }
    }
  }

  private var entries: [(Int32, String, UInt64, UInt64)] {
    var result: [(Int32, String, UInt64, UInt64)] = []
    if let addressSpace { result.append((Resource.addressSpace, "RLIMIT_AS", addressSpace, addressSpace)) }
    if let cpuSeconds {
      // The soft limit sends SIGXCPU; the hard limit, a second later, SIGKILL.
      result.append((Resource.cpu, "RLIMIT_CPU", cpuSeconds, cpuSeconds &+ 1))
    }
    if let fileSize { result.append((Resource.fileSize, "RLIMIT_FSIZE", fileSize, fileSize)) }
    if let processes { result.append((Resource.processes, "RLIMIT_NPROC", processes, processes)) }
    return result
  }

  /// Linux resource numbers (the same on x86_64 and aarch64; glibc's enum hides RLIMIT_NPROC from Swift).
  private enum Resource {
    static let cpu: Int32 = 0
    static let fileSize: Int32 = 1
    static let processes: Int32 = 6
    static let addressSpace: Int32 = 9
  }
}
