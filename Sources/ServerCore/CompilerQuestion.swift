import CompilerIdentity
import DistPosix
import SystemPackage

/// How the daemon asks a compiler what it is (`gcc -### -E -x c -`, for ``CompilerProbe``): as it runs the
/// compiler's jobs, confined (``CompilerConfinement``) to a directory of its own under `TMPDIR`, with the
/// compilers' environment, and killed if it has not answered within ``seconds``, so that a compiler that
/// misbehaves or hangs can neither escape nor hold a reply for long.
struct CompilerQuestion: Sendable {
  let configuration: ServerConfiguration
  /// Where a question in flight is registered like a job, so that a daemon that stops kills it too.
  let active: ActiveJobs
  /// The longest a compiler may take to answer one question.
  static let seconds = 2

  /// The questions as ``CompilerProbe`` asks them.
  var ask: CompilerProbe.Ask {
    CompilerProbe.Ask(
      firstLine: { run($0, streams: .standardOutput).flatMap(CommandOutput.firstLine(of:)) },
      transcript: {
        run($0, streams: .standardOutputAndError).map { String(decoding: $0, as: UTF8.self) }
      })
  }

  /// What `arguments` prints on `streams` (stderr not among them goes to a file of the question's directory).
  private func run(_ arguments: [String], streams: CommandOutput.Streams) -> [UInt8]? {
    guard let executable = arguments.first,
      let directory = try? JobDirectory(in: configuration.temporaryDirectory, keep: false)
    else { return nil }
    defer { directory.remove() }
    guard let (read, write) = try? Pipe.make() else { return nil }
    defer { read.closeIgnoringErrors() }
    let spawned = configuration.confinement.spawn(
      .init(
        executable: executable, arguments: arguments.map { Array($0.utf8) },
        environment: configuration.compilerEnvironment, workingDirectory: directory.path,
        standardOutput: .descriptor(write),
        standardError: streams == .standardOutputAndError
          ? .descriptor(write) : .path(directory.file("stderr")),
        newProcessGroup: true),
      jobDirectory: directory.path)
    write.closeIgnoringErrors()
    guard case .success(let process) = spawned else { return nil }
    let key = active.add(directory)
    defer { active.remove(key) }
    active.setCompiler(key, processGroup: process.child.pid)
    return CommandOutput.output(from: read, of: process.child, seconds: Self.seconds)
  }
}
