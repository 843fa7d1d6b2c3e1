import ClientCore
import DistTestSupport
import Glibc
import Testing

/// Cancelling a `compile` call's task stops its job wherever it is: no process left, the slot free again, no
/// temporary file, no object.
@Suite(
  .serialized, .timeLimit(.minutes(2)),
  .enabled(if: Binaries.hasDebianDistcc, "needs Debian's distccd"))
struct CancellationTests {
  /// Where the blocking compiler blocks: the local preprocessor (`-E`), the remote compile, or a local
  /// compile (no hosts).
  enum Stage: String, CaseIterable { case preprocess, remoteCompile, localCompile }

  /// A compiler that records its pid, says `started` and blocks until `release` exists at `stage`; every
  /// other invocation is gcc's.
  static func blockingCompiler(in farm: EmbeddingFarm, blockingOn stage: Stage) throws -> String {
    let dir = farm.directory.path
    let blocks = stage == .preprocess ? "[ \"$cpp\" = 1 ]" : "[ \"$cpp\" = 0 ]"
    return try farm.directory.write(
      "slowcc",
      """
      #!/bin/sh
      cpp=0
      for a in "$@"; do [ "$a" = -E ] && cpp=1; done
      if \(blocks); then
        echo $$ > '\(dir)/compiler.pid'
        touch '\(dir)/started'
        while [ ! -e '\(dir)/release' ]; do sleep 0.02; done
      fi
      exec /usr/bin/gcc "$@"

      """, mode: 0o755)
  }

  @Test(arguments: Stage.allCases)
  func cancellingStopsTheJobAndLeavesNothing(at stage: Stage) async throws {
    let farm = try await EmbeddingFarm(compilers: ["slowcc"])
    let compiler = try Self.blockingCompiler(in: farm, blockingOn: stage)
    let hosts = stage == .localCompile ? "" : "\(farm.ourHost)/1"
    let client = try farm.compiler(hosts: hosts)
    _ = try farm.directory.write("src/c.c", "int c(void) { return 1; }\n")
    let source = farm.directory.appending("src")
    let call = Task { try await client.compile([compiler, "-c", "c.c", "-o", "c.o"], in: source) }
    #expect(
      try await EmbeddingFarm.eventually { farm.directory.exists("started") },
      "the compiler never started")
    let pid = try farm.blockedCompilerPID()
    call.cancel()
    await #expect(throws: ClientError.cancelled) { try await call.value }
    if stage != .remoteCompile {
      // The local preprocessor or compiler is gone (reaped before the call returned).
      #expect(kill(pid, 0) == -1 && errno == ESRCH, "pid \(pid) still there")
    }
    _ = try farm.directory.write("release", "")
    #expect(!farm.directory.exists("src/c.o"))
    #expect(farm.directory.list("tmp").isEmpty, "\(farm.directory.list("tmp"))")
    // The slot is free: the next job on the one-slot host runs there at once.
    if stage != .localCompile {
      let next = try await client.compile(["gcc", "-c", "c.c", "-o", "c.o"], in: source)
      #expect(next.placement == .remote(host: "\(farm.ourHost)/1"))
      #expect(farm.directory.exists("src/c.o"))
    }
    try await farm.stop()
  }
}
