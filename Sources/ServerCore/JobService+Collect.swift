import DistPosix
import DistProtocol

extension JobService {
  /// Step 4: the reply to `request`: the compiler's stderr (with the daemon's `notes` after it) and
  /// stdout and, when it succeeded, the object and (protocol 3) the dependency file, both with the job
  /// root rewritten away (protocol.md §7.3).
  func collectReply(
    _ request: Request, for job: PreparedJob, status: WaitStatus, notes: [UInt8],
    output: CompilerOutput
  ) -> Response {
    var object: [UInt8] = []
    var dependencies: [UInt8]? = nil
    if status.isSuccess {
      object = (try? FileContents.read(job.objectPath, limit: 1 << 30)) ?? []
      if let deps = job.dependencies {
        PreparedJob.scrubRoot(&object, root: deps.root)
        dependencies = PreparedJob.dependencyFile(
          (try? FileContents.read(deps.path, limit: 1 << 30)) ?? [], objectPath: job.objectPath,
          target: deps.target,
          root: deps.root)
      }
    }
    var response = Response(
      version: request.version, isVersionZero: request.isVersionZero, status: status,
      stderr: output.stderr + notes, stdout: output.stdout, object: object,
      dependencies: dependencies)
    response.extensions = request.extensions  // zstd bodies back when the request came with them
    return response
  }
}
