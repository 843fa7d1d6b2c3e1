import DistPosix
import Glibc
import SystemPackage

/// Where a job's compiler writes its stdout and stderr: two anonymous in-memory files (`memfd`), which
/// cost no directory entries to create and remove, or, when the job directory is kept
/// (`DISTCC_SAVE_TEMPS`), the files `stdout` and `stderr` in it. `RLIMIT_FSIZE` bounds both kinds.
struct CompilerOutput {
  let standardOutput: SpawnedProcess.Stream
  let standardError: SpawnedProcess.Stream

  /// Output for a job in `directory`; files if it is kept or memory files are unavailable.
  init(in directory: JobDirectory) {
    if !directory.keep, let out = CompilerOutput.memoryFile("stdout") {
      if let err = CompilerOutput.memoryFile("stderr") {
        standardOutput = .descriptor(out)
        standardError = .descriptor(err)
        return
      }
      out.closeIgnoringErrors()
    }
    standardOutput = .path(directory.file("stdout"))
    standardError = .path(directory.file("stderr"))
  }

  private static func memoryFile(_ name: String) -> FileDescriptor? {
    try? TemporaryFiles.makeAnonymousFile(name: name)
  }

  /// What the compiler wrote to `stream` (empty if it cannot be read).
  static func contents(of stream: SpawnedProcess.Stream) -> [UInt8] {
    switch stream {
    case .path(let path): Syscalls.readFile(path) ?? []
    case .descriptor(let fd): Syscalls.readFile(fd) ?? []
    }
  }

  var stdout: [UInt8] { CompilerOutput.contents(of: standardOutput) }
  var stderr: [UInt8] { CompilerOutput.contents(of: standardError) }

  /// Closes the memory files.
  func close() {
    for stream in [standardOutput, standardError] {
      if case .descriptor(let fd) = stream { fd.closeIgnoringErrors() }
    }
  }
}
