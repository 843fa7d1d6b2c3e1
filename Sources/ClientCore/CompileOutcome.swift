/// How one call of the async API ended: the compiler's result, its output, where it ran and how long it took.
///
/// A compiler that fails is an outcome (`status` non-zero, its diagnostics in `standardError`), not an error.
public struct CompileOutcome: Sendable {
  /// The exit status 3.4 would exit with: the compiler's exit code, or 128 + signal.
  public var status: Int32
  /// What the compiler wrote to its standard output (remotely or here), for this call only.
  public var standardOutput: [UInt8]
  /// What the compiler and preprocessor wrote to their standard error (warnings, errors), for this call only.
  public var standardError: [UInt8]
  /// Where the result came from.
  public var placement: CompilePlacement
  /// Where the time went.
  public var timings: CompileTimings

  /// Whether the compiler succeeded.
  public var succeeded: Bool { status == 0 }
}

/// Where a compile ran.
public enum CompilePlacement: Sendable, Equatable {
  /// On a remote host, named as in the host list (`127.0.0.1:3632`, `alice@red`).
  case remote(host: String)
  /// On this machine, and why: the command cannot be distributed (`LocalReason`), no host could take it, a
  /// remote failure was retried here, or `localhost` was chosen from the host list.
  case local(reason: String)
}
