/// The compiler's raw Unix wait status as sent in `STAT` (`protocol.md` §5).
///
/// An exit code *c* is `c << 8`; a signal *s* is `s`, plus `0x80` if the process dumped core.
public struct WaitStatus: RawRepresentable, Sendable, Equatable, Hashable {
  /// The raw `wait()` status as 3.4 sends it in `STAT`.
  public var rawValue: UInt32

  public init(rawValue: UInt32) { self.rawValue = rawValue }

  /// The status of a process that exited with `code`.
  public static func exited(_ code: UInt8) -> WaitStatus {
    WaitStatus(rawValue: UInt32(code) << 8)
  }

  /// The status of a process killed by `signal` (1…126).
  public static func signaled(_ signal: Int32, coreDumped: Bool = false) -> WaitStatus {
    WaitStatus(rawValue: UInt32(truncatingIfNeeded: signal) & 0x7f | (coreDumped ? 0x80 : 0))
  }

  /// Success: the compiler exited 0.
  public static let success = WaitStatus(rawValue: 0)

  /// The exit code if the process exited normally (`WIFEXITED`), else `nil`.
  public var exitCode: Int? {
    rawValue & 0x7f == 0 ? Int((rawValue >> 8) & 0xff) : nil
  }

  /// The terminating signal if the process was killed (`WIFSIGNALED`), else `nil`.
  public var signal: Int32? {
    let low = rawValue & 0x7f
    return low != 0 && low != 0x7f ? Int32(low) : nil
  }

  /// Whether the process dumped core (`WCOREDUMP`); meaningful only when `signal` is set.
  public var coreDumped: Bool { signal != nil && rawValue & 0x80 != 0 }

  /// Whether the compiler exited 0.
  public var isSuccess: Bool { rawValue == 0 }
}

extension WaitStatus: CustomStringConvertible {
  public var description: String {
    if let exitCode { return "exit code \(exitCode)" }
    if let signal { return "signal \(signal)\(coreDumped ? " (core dumped)" : "")" }
    return "wait status 0x\(String(rawValue, radix: 16))"
  }
}
