import CompilerArgs
import DistProtocol
import HostSpec

/// One protocol 3 attempt (protocol.md §4.2, §7): the whole command line, the working directory and the
/// include server's files go to the server, which preprocesses and compiles; the reply adds `DOTD`.
struct PumpAttempt {
  var job: CompileJob
  var host: HostEntry
  var configuration: ClientConfiguration
  var ioTimeout: Int
  var workingDirectory: String
  var files: [IncludeServerClient.Entry]
  /// Whether to wait for a reply trailer not yet read (``RemoteAttempt/awaitsTrailer``).
  var awaitsTrailer = true

  /// The command sent: the job's full command line, plus `-MT <target>` when a dependency file is wanted
  /// and names no target (protocol.md §7.1).
  static func arguments(for job: CompileJob, environment: [String: String]) -> [String] {
    var arguments = job.arguments
    if Self.wantsDependencies(job, environment: environment),
      !arguments.contains(where: { $0.hasPrefix("-MT") || $0.hasPrefix("-MQ") })
    {
      arguments += ["-MT", Self.dependencyTarget(job, environment: environment)]
    }
    return arguments
  }

  /// Any `-M…` option other than `-MT`/`-MQ`, or `DEPENDENCIES_OUTPUT` set.
  static func wantsDependencies(_ job: CompileJob, environment: [String: String]) -> Bool {
    environment["DEPENDENCIES_OUTPUT"] != nil
      || job.arguments.contains {
        $0.hasPrefix("-M") && !$0.hasPrefix("-MT") && !$0.hasPrefix("-MQ")
      }
  }

  static func dependencyTarget(_ job: CompileJob, environment: [String: String]) -> String {
    if let variable = environment["DEPENDENCIES_OUTPUT"], let space = variable.firstIndex(of: " ") {
      return String(variable[variable.index(after: space)...])
    }
    return job.output
  }

  /// Where the `DOTD` body goes: the last `-MF`, else `DEPENDENCIES_OUTPUT`'s file, else the output with
  /// its extension replaced by `.d` (protocol.md §7.3).
  static func dependencyFile(_ job: CompileJob, environment: [String: String]) -> String {
    var file: String?
    var index = 0
    while index < job.arguments.count {
      let argument = job.arguments[index]
      if argument == "-MF", index + 1 < job.arguments.count {
        file = job.arguments[index + 1]
        index += 1
      } else if argument.hasPrefix("-MF") {
        file = String(argument.dropFirst(3))
      }
      index += 1
    }
    if let file { return file }
    if let variable = environment["DEPENDENCIES_OUTPUT"] {
      return String(variable.prefix { $0 != " " })
    }
    let output = job.output
    let base = output.lastIndex(of: "/").map { output[output.index(after: $0)...] } ?? output[...]
    if let dot = base.lastIndex(of: "."), dot != base.startIndex {
      return String(output[..<dot]) + ".d"
    }
    return output + ".d"
  }

  /// Writes the reply's dependency file when the command line asked for one.
  static func writeDependencies(
    _ response: Response, job: CompileJob, configuration: ClientConfiguration
  ) throws(ClientError) {
    guard let dependencies = response.dependencies,
      wantsDependencies(job, environment: configuration.environment)
    else { return }
    try ObjectFile.write(
      dependencies,
      to: configuration.resolve(dependencyFile(job, environment: configuration.environment)))
  }

  /// Sends the request and reads the reply; a plain object body goes to `object` as it arrives.
  func run(state: inout JobState, log: ClientLog, object: ObjectReceiver? = nil)
    throws(ClientError) -> RemoteAttempt.Outcome
  {
    var attempt = RemoteAttempt(
      job: job, host: host, version: .v3, configuration: configuration, ioTimeout: ioTimeout)
    attempt.awaitsTrailer = awaitsTrailer
    attempt.object = object
    let connection = try attempt.connect()
    defer { connection.close() }
    let unwatch = attempt.watchForCancellation(connection)
    defer { unwatch() }
    state.note(.send, .remote)
    let arguments = Self.arguments(for: job, environment: configuration.environment)
    log.info(
      "exec on \(host.displayName) (pump, \(files.count) files): \(ClientLog.format(arguments))")
    let head = Request(
      version: .v3, workingDirectory: Array(workingDirectory.utf8),
      arguments: arguments.map { Array($0.utf8) })
    let request = try attempt.encoded(try head.encodedHead() + Request.encodedFileEntries(files))
    try connection.send(request)
    state.note(.compile, .remote, host: host.stateName)
    return try attempt.receive(from: connection, state: &state)
  }
}
