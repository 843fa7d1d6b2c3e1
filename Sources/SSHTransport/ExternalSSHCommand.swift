public import DistPosix
public import SystemPackage

/// 3.4's SSH mode, for users who set `DISTCC_SSH`: run a tunnel program and speak the protocol over its stdin and
/// stdout (`protocol.md` §10).
///
/// The argument vector is exactly 3.4's:
/// `PROGRAM [up to 12 extra words] [-l USER] HOST COMMAND --inetd --enable-tcp-insecure`, where `DISTCC_SSH` is
/// split on spaces as `strtok(value, " ")` splits it (runs of spaces are one separator, tabs are not separators,
/// words past the twelfth are dropped) and an empty or unset value means `ssh`. The program is looked up in `PATH`
/// as `execvp` does; no shell is involved. A destination's `port` is not passed: 3.4's SSH host specs have none.
public struct ExternalSSHCommand: Sendable, Equatable {
  /// The program to run (`argv[0]`).
  public var program: String
  /// The words after the program in `DISTCC_SSH`.
  public var extraArguments: [String]

  /// 3.4's default tunnel program.
  public static let defaultProgram = "ssh"
  /// 3.4 keeps at most this many words after the program (`MAX_SSH_ARGS`).
  public static let maximumExtraArguments = 12

  /// The tunnel command for a `DISTCC_SSH` value (`nil` when unset).
  public init(distccSSH value: String?) {
    let words = (value ?? "").split(separator: " ", omittingEmptySubsequences: true).map(String.init)
    program = words.first ?? Self.defaultProgram
    extraArguments = Array(words.dropFirst().prefix(Self.maximumExtraArguments))
  }

  /// The whole argument vector for `destination`, `argv[0]` included.
  public func arguments(for destination: SSHDestination) -> [String] {
    var arguments = [program] + extraArguments
    if let user = destination.user { arguments += ["-l", user] }
    return arguments + [destination.host, destination.command, "--inetd", "--enable-tcp-insecure"]
  }

  /// Starts the tunnel for one job, its stdin and stdout connected to socket pairs as 3.4 connects them.
  ///
  /// - Parameter environment: the tunnel's whole environment (`nil` inherits this process's).
  /// - Throws: ``SSHError/spawn(program:reason:)`` if the program cannot be started (not found, not executable).
  public func start(_ destination: SSHDestination, environment: [String: String]? = nil) throws(SSHError)
    -> ExternalSSHTunnel
  {
    do throws(PosixError) {
      let (requestOurs, requestTheirs) = try Socket.pair()
      let (replyOurs, replyTheirs) = try Socket.pair()
      defer {
        requestTheirs.closeIgnoringErrors()
        replyTheirs.closeIgnoringErrors()
      }
      do throws(PosixError) {
        // As in 3.4: our ends and the child's stdout non-blocking, the child's stdin blocking.
        try requestOurs.setNonBlocking(true)
        try replyOurs.setNonBlocking(true)
        try replyTheirs.setNonBlocking(true)
        let process = try ChildProcess.spawn(
          SpawnRequest(
            executable: program, arguments: arguments(for: destination).map { Array($0.utf8) },
            environment: environment.map { $0.map { Array("\($0.key)=\($0.value)".utf8) } },
            standardInput: requestTheirs, standardOutput: replyTheirs, standardError: nil,
            workingDirectory: nil, newProcessGroup: false, searchPath: true))
        return ExternalSSHTunnel(process: process, input: requestOurs, output: replyOurs)
      } catch {
        requestOurs.closeIgnoringErrors()
        replyOurs.closeIgnoringErrors()
        throw error
      }
    } catch {
      throw .spawn(program: program, reason: error.errno?.message ?? "\(error)")
    }
  }
}

/// A running `DISTCC_SSH` tunnel: write the request to ``input``, read the reply from ``output``, then
/// ``close(deadline:)``.
public struct ExternalSSHTunnel: Sendable {
  /// The tunnel process.
  public let process: ChildProcess
  /// The tunnel's stdin (non-blocking): the request goes here.
  public let input: FileDescriptor
  /// The tunnel's stdout (non-blocking): the reply comes from here.
  public let output: FileDescriptor

  /// Closes both descriptors and waits for the tunnel until `deadline`, killing it after that. 3.4 ignores the
  /// tunnel's exit status; it is returned for logging.
  @discardableResult
  public func close(deadline: Deadline) -> ProcessStatus? {
    input.closeIgnoringErrors()
    output.closeIgnoringErrors()
    if let status = try? process.wait(deadline: deadline) { return status }
    process.send(Signals.kill)
    return try? process.reap()
  }
}
