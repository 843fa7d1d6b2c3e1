import DistTestSupport
import Foundation
import Glibc

/// A pump-mode session: `distcc-pump --startup` in a `ClientWorld`, compilers wrapped so that every
/// local run is logged (a local `-E` run means the job was not sent as protocol 3), `--shutdown` at the end.
final class PumpSession {
  let world: ClientWorld
  let daemon: RealDaemon
  /// The world's environment plus the variables `--startup` exported.
  var environment: [String: String] = [:]
  var compilerLog: String { world.path + "/compilers.log" }

  init(_ kind: RealDaemon.Kind) throws {
    world = try ClientWorld(hosts: nil)
    daemon = try RealDaemon(kind, logDirectory: world.path)
    world.environment["DISTCC_HOSTS"] = daemon.hostSpec + ",cpp,lzo"
    world.environment["DISTCC_CLIENT_TMP"] = world.path
    world.environment["INCLUDE_SERVER_ARGS"] = "-s"
    let bin = world.path + "/bin"
    for name in ["gcc", "g++", "x86_64-linux-gnu-gcc", "x86_64-linux-gnu-g++"] {
      try world.write(
        "bin/\(name)", "#!/bin/sh\necho \"$*\" >> '\(compilerLog)'\nexec /usr/bin/\(name) \"$@\"\n")
      chmod(bin + "/" + name, 0o755)
    }
    world.environment["PATH"] = bin + ":/usr/bin:/bin"
    let started = try runProcess(
      [Binaries.ours("distcc-pump"), "--startup"], environment: world.environment, in: world.path)
    guard started.status == 0 else { throw HarnessError("pump --startup: \(started.stderr)") }
    environment = world.environment
    for line in started.stdout.split(separator: "\n") where line.hasPrefix("export ") {
      let assignment = line.dropFirst("export ".count)
      guard let equals = assignment.firstIndex(of: "=") else { continue }
      environment[String(assignment[..<equals])] = String(
        assignment[assignment.index(after: equals)...].dropFirst().dropLast())
    }
  }

  /// Runs our client (or Debian's) under the session's environment.
  func distcc(_ arguments: [String], debian: Bool = false, _ extra: [String: String] = [:]) throws
    -> ProcessResult
  {
    try runProcess(
      [debian ? "/usr/bin/distcc" : Binaries.ours("distcc")] + arguments,
      environment: environment.merging(extra) { $1 }, in: world.path)
  }

  /// Local runs of the preprocessor (the include server's one `-E -v` probe per compiler excluded).
  var localPreprocessorRuns: Int { compilerRuns.filter(Self.isPreprocessorRun).count }

  /// Every logged local compiler run so far, its arguments joined by spaces.
  var compilerRuns: [String] {
    let text = (try? String(contentsOfFile: compilerLog, encoding: .utf8)) ?? ""
    return text.split(separator: "\n").map(String.init)
  }

  /// Whether a logged run preprocessed a file here: `-E` with a file as input. Runs on standard input or
  /// `/dev/null` are a build's own probes (the include server's `-E -v -`, Kbuild's `-dM -E -x c /dev/null`
  /// and its system-call check on `-`), not compiles.
  static func isPreprocessorRun(_ run: String) -> Bool {
    let words = run.split(separator: " ")
    return words.contains("-E") && words.last != "-" && words.last != "/dev/null"
  }

  /// A directory holding `gcc` and `g++` as links to our client (masquerade mode), for builds whose
  /// compiler command must stay `gcc`; put it before the wrappers in `PATH`.
  func masqueradeDirectory() throws -> String {
    let directory = world.path + "/masquerade"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    for name in ["gcc", "g++"] where symlink(Binaries.ours("distcc"), directory + "/" + name) != 0 {
      throw HarnessError("symlink \(directory)/\(name): \(String(cString: strerror(errno)))")
    }
    return directory
  }

  /// `--shutdown`; returns its result (the include server's statistics line is on its stderr).
  func shutDown() throws -> ProcessResult {
    let result = try runProcess(
      [Binaries.ours("distcc-pump"), "--shutdown"], environment: environment, in: world.path)
    daemon.stop()
    return result
  }

  func bytes(_ name: String) -> Data? { world.contents(name) }

  /// Writes each file (name relative to the world) with its text.
  func write(_ files: KeyValuePairs<String, String>) throws {
    for (name, text) in files { try world.write(name, text) }
  }
}
