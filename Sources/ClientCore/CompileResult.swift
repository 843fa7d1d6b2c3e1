/// How a compile ended: the compiler's result, wherever it ran.
public struct CompileResult: Sendable, Equatable {
  /// The exit status 3.4 would exit with: the compiler's exit code, or 128 + signal.
  public var status: Int32
  /// The host that produced the result (its host-list entry), or `nil` when it ran on this machine.
  public var host: String?

  /// A result with `status` from `host` (`nil`: this machine).
  public init(status: Int32, host: String?) {
    self.status = status
    self.host = host
  }

  /// Whether the compiler succeeded.
  public var succeeded: Bool { status == 0 }
}
