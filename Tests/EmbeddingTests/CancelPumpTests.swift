import ClientCore
import DistPosix
import DistTestSupport
import Glibc
import Testing

/// Cancelling a pump-mode (protocol 3) call mid-job: our include server (`distcc-pump --startup`) lists the
/// files, our daemon mirrors them and runs a compiler that blocks; the cancel closes the connection, so the
/// daemon kills its compiler, and the call leaves no object, dependency file or temporary file.
@Suite(
  .serialized, .timeLimit(.minutes(2)),
  .enabled(if: Binaries.hasDebianDistcc, "needs Debian's distccd"))
struct CancelPumpTests {
  @Test func cancellingMidPumpJobClosesTheConnectionAndLeavesNothing() async throws {
    let farm = try await EmbeddingFarm(compilers: ["slowcc"])
    let compiler = try CancellationTests.blockingCompiler(in: farm, blockingOn: .remoteCompile)
    try farm.directory.makeDirectories(farm.directory.appending("pump"))
    _ = try farm.directory.write("src/h.h", "#define ONE 1\n")
    _ = try farm.directory.write("src/c.c", "#include \"h.h\"\nint c(void) { return ONE; }\n")
    let source = farm.directory.appending("src")
    var environment = farm.environment(
      hosts: "\(farm.ourHost)/1,cpp,lzo", extra: ["TMPDIR": farm.directory.appending("pump")])
    let started = try TestProcess.run(
      [Binaries.ours("distcc-pump"), "--startup"], environment: environment)
    try #require(started.exitCode == 0, "\(started)")
    for line in started.stdout.split(separator: "\n") where line.hasPrefix("export INCLUDE_SERVER")
    {
      let assignment = line.dropFirst("export ".count)
      let equals = try #require(assignment.firstIndex(of: "="))
      environment[String(assignment[..<equals])] = String(
        assignment[assignment.index(after: equals)...].dropFirst().dropLast())
    }
    defer {
      _ = try? TestProcess.run(
        [Binaries.ours("distcc-pump"), "--shutdown"], environment: environment)
    }
    try #require(environment["INCLUDE_SERVER_PORT"] != nil, "\(started)")
    environment["TMPDIR"] = farm.directory.appending("tmp")
    let client = DistributedCompiler(
      configuration: try ClientConfiguration(environment: environment))

    let call = Task {
      try await client.compile([compiler, "-c", "c.c", "-o", "c.o", "-MD"], in: source)
    }
    #expect(
      try await EmbeddingFarm.eventually { farm.directory.exists("started") },
      "the compiler never started")
    // Protocol 3: the daemon compiles in a mirror of the client's tree (`root/` in its job directory, with
    // the header the include server listed), not a preprocessed `.i`.
    let jobs = farm.directory.list("server-tmp")
    #expect(
      jobs.contains { farm.directory.exists("server-tmp/\($0)/root" + source + "/h.h") },
      "no mirrored tree in \(jobs)")
    let pid = try farm.blockedCompilerPID()

    call.cancel()
    await #expect(throws: ClientError.cancelled) { try await call.value }
    // The daemon saw the connection close and killed its compiler (no release needed).
    #expect(
      try await EmbeddingFarm.eventually { kill(pid, 0) == -1 && errno == ESRCH },
      "the daemon's compiler \(pid) still runs")
    #expect(!farm.directory.exists("src/c.o") && !farm.directory.exists("src/c.d"))
    #expect(farm.directory.list("tmp").isEmpty, "\(farm.directory.list("tmp"))")

    // The slot is free, and the same call without the blocking compiler goes out in pump mode and writes
    // its object and dependency file.
    _ = try farm.directory.write("release", "")
    let next = try await client.compile(["gcc", "-c", "c.c", "-o", "c.o", "-MD"], in: source)
    #expect(next.placement == .remote(host: "\(farm.ourHost)/1,cpp,lzo"), "\(next)")
    #expect(farm.directory.exists("src/c.o") && farm.directory.exists("src/c.d"))
    try await farm.stop()
  }
}
