/// The scanner's verdict on a compiler command.
public enum ScanResult: Sendable, Equatable {
  /// The command compiles one source file to one output and may go to another machine.
  case distributable(CompileJob)
  /// The command must run here, for the given reason.
  case local(LocalReason)

  /// The job, when distributable.
  public var job: CompileJob? {
    if case .distributable(let job) = self { return job }
    return nil
  }

  /// The reason, when local.
  public var localReason: LocalReason? {
    if case .local(let reason) = self { return reason }
    return nil
  }
}
