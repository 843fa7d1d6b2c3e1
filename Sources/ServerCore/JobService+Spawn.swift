import DistPosix
import SystemPackage

extension JobService {
  /// Step 1: the executable `name` runs as, 3.4's `execvp` rule (daemon.md §5.3): `name` on the search
  /// path, else, when it contains `/`, its basename on the search path. `nil` when neither exists.
  func lookupCompiler(_ name: String) -> String? {
    if let executable = SpawnedProcess.resolve(name, searchPath: configuration.searchPath) {
      return executable
    }
    guard name.contains("/") else { return nil }
    let base = String(name.split(separator: "/").last ?? Substring(name))
    return SpawnedProcess.resolve(base, searchPath: configuration.searchPath)
  }

  /// Step 2: starts `executable` with the job's arguments in its own process group, its output into
  /// `output`, confined to the job directory (``CompilerConfinement``).
  func spawnCompiler(_ executable: String, for job: PreparedJob, output: CompilerOutput)
    -> Result<SpawnedProcess, Errno>
  {
    configuration.confinement.spawn(
      .init(
        executable: executable, arguments: job.arguments,
        environment: configuration.compilerEnvironment,
        workingDirectory: job.workingDirectory,
        standardInput: job.standardInput.map { .path($0) } ?? SpawnedProcess.Stream.nullInput,
        standardOutput: output.standardOutput,
        standardError: output.standardError, newProcessGroup: true),
      jobDirectory: CompilerConfinement.directory(containing: job.objectPath))
  }
}
