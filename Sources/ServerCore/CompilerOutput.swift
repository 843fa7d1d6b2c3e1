import DistPosix
import SystemPackage

/// Where a job's compiler writes its stdout and stderr: the files `stdout` and `stderr` in its job
/// directory, opened once for reading and writing, so that the daemon reads them back through the same
/// descriptors. Files, not anonymous memory files (`memfd`): a confined compiler (or a wrapper script)
/// may reopen `/dev/stdout` or `/dev/stderr` by name, which Landlock allows beneath the job directory
/// only. `RLIMIT_FSIZE` bounds them.
struct CompilerOutput {
  let standardOutput: SpawnedProcess.Stream
  let standardError: SpawnedProcess.Stream

  /// Creates the two files (stdout truncated, stderr appended to, as 3.4 opens them); a file that cannot
  /// be created is left to the spawn, which then reports why.
  init(in directory: JobDirectory) {
    standardOutput = CompilerOutput.open(directory.file("stdout"), .truncate)
    standardError = CompilerOutput.open(directory.file("stderr"), .append)
  }

  private static func open(_ path: String, _ mode: FileDescriptor.OpenOptions)
    -> SpawnedProcess.Stream
  {
    guard
      let fd = try? FileDescriptor.open(
        path, .readWrite, options: [.create, mode], permissions: .ownerReadWrite)
    else { return .path(path) }
    return .descriptor(fd)
  }

  /// What the compiler wrote to `stream` (empty if it cannot be read).
  static func contents(of stream: SpawnedProcess.Stream) -> [UInt8] {
    switch stream {
    case .path(let path): (try? FileContents.read(path, limit: 1 << 30)) ?? []
    case .descriptor(let fd): (try? FileContents.read(fd, upTo: 1 << 30)) ?? []
    }
  }

  var stdout: [UInt8] { CompilerOutput.contents(of: standardOutput) }
  var stderr: [UInt8] { CompilerOutput.contents(of: standardError) }

  /// Closes the files (they stay in the job directory until it is removed).
  func close() {
    for stream in [standardOutput, standardError] {
      if case .descriptor(let fd) = stream { fd.closeIgnoringErrors() }
    }
  }
}
