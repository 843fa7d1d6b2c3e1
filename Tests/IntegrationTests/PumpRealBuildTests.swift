import DistTestSupport
import Foundation
import Glibc
import Testing

/// Real builds under `distcc-pump` against our daemon, each compared object for object (debug info
/// included) with the same build run locally, with every local compiler run logged by the session's
/// wrappers: a build went out as protocol 3 only if none of its compiles and no `-E` ran here.
@Suite(.serialized) struct PumpRealBuildTests {
  /// Examples/calc built by make -j4 under `distcc-pump` against our daemon: every object sent as protocol 3
  /// (no local preprocessor run, no local retry) and byte-identical to a local build.
  @Test func calcUnderPump() throws {
    let session = try PumpSession(.ours)
    let calc = session.world.path + "/calc"
    try FileManager.default.copyItem(atPath: Binaries.packageRoot + "/Examples/calc", toPath: calc)
    let remote = try runProcess(
      [
        Binaries.ours("distcc-pump"), "make", "-C", calc, "-j4", "OBJDIR=remote",
        "CC=\(Binaries.ours("distcc")) gcc",
      ], environment: session.world.environment, in: session.world.path)
    #expect(remote.status == 0, "\(remote.stderr)")
    #expect(!remote.stderr.contains("locally"), "\(remote.stderr)")
    let sources = try FileManager.default.contentsOfDirectory(atPath: calc + "/src").filter {
      $0.hasSuffix(".c")
    }
    #expect(session.localPreprocessorRuns == 0)
    #expect(session.daemon.compiledJobs(expected: sources.count) == sources.count)
    #expect(remote.stderr.contains("queries \(sources.count), gave up 0"), "\(remote.stderr)")
    let local = try runProcess(
      ["/usr/bin/make", "-C", calc, "OBJDIR=local", "CC=/usr/bin/gcc"],
      environment: session.world.environment, in: session.world.path)
    #expect(local.status == 0)
    for source in sources {
      let object = source.dropLast(2) + ".o"
      let remoteObject = FileManager.default.contents(atPath: "\(calc)/remote/\(object)")
      #expect(
        remoteObject != nil
          && remoteObject == FileManager.default.contents(atPath: "\(calc)/local/\(object)"),
        "\(object)")
    }
    _ = try session.shutDown()
  }

  /// Two directories of Linux 6.1 (Debian's `linux-source-6.1`, configured by the benchmarks'
  /// `prepare-linux.sh`), built with `-g` by Kbuild locally and then under `distcc-pump`, `gcc` being our
  /// client in masquerade mode so that Kbuild's `CC` does not change: every object identical, each compile
  /// remote, no local compile and no local `-E` of a file. Kbuild's `-include`s, `-nostdinc -isystem`, `-Wp,-MMD`,
  /// `-fmacro-prefix-map` and its generated headers are what this exercises.
  @Test func linuxSubsetUnderPump() throws {
    let session = try PumpSession(.ours)
    let tree = try LinuxTree()
    let subset = ["lib/zlib_inflate", "lib/lzo"]
    try tree.removeObjects(subset)
    defer { try? tree.removeObjects(subset) }
    // Debug info for these files only (per-file flags): KCFLAGS would change the prepared tree's commands.
    let sources = try subset.flatMap { directory in
      try FileManager.default.contentsOfDirectory(atPath: "\(tree.path)/\(directory)").filter {
        $0.hasSuffix(".c")
      }
    }
    let make =
      ["/usr/bin/make", "-C", tree.path, "-j2", "CC=gcc"]
      + sources.map { "CFLAGS_\($0.dropLast(2)).o=-g" }
      + subset.map { $0 + "/" }
    let local = try runProcess(make, environment: session.world.environment, in: tree.path)
    #expect(local.status == 0, "\(local.stderr)")
    let reference = try tree.objects(subset)
    #expect(reference.count == sources.count, "\(reference.keys.sorted())")
    try tree.removeObjects(subset)
    var environment = session.world.environment
    environment["PATH"] = try session.masqueradeDirectory() + ":" + environment["PATH", default: ""]
    // Kbuild's option checks answered through the client can differ from gcc's own: what depends on them
    // is brought up to date first, so that the build below compiles the subset and nothing else.
    let prepared = try runProcess(
      ["/usr/bin/make", "-C", tree.path, "-j2", "CC=gcc", "prepare"], environment: environment,
      in: tree.path)
    #expect(prepared.status == 0, "\(prepared.stderr)")
    let before = session.compilerRuns.count
    let remoteBefore = session.daemon.compiledJobsSoFar
    let remote = try runProcess(
      [Binaries.ours("distcc-pump")] + make, environment: environment, in: tree.path)
    #expect(remote.status == 0, "\(remote.stderr)")
    #expect(!remote.stderr.contains("locally"), "\(remote.stderr)")
    let compiled = try tree.objects(subset)
    #expect(
      compiled == reference, "\(compiled.filter { reference[$0.key] != $0.value }.keys.sorted())")
    let localRuns = Array(session.compilerRuns[before...])
    let sourceCompiles = localRuns.filter { run in subset.contains { run.contains(" \($0)/") } }
    #expect(sourceCompiles.isEmpty, "\(sourceCompiles)")
    #expect(localRuns.filter(PumpSession.isPreprocessorRun).isEmpty, "\(localRuns)")
    let remoteJobs = remoteBefore + sources.count
    #expect(session.daemon.compiledJobs(expected: remoteJobs) == remoteJobs)
    #expect(remote.stderr.contains("queries \(sources.count), gave up 0"), "\(remote.stderr)")
    _ = try session.shutDown()
  }

  /// Two of the Qt 5 examples Debian ships as source (`qtbase5-examples`), each with `Q_OBJECT` classes
  /// that moc turns into generated sources, built as qmake writes them (`CONFIG+=force_debug_info`) with
  /// `make CXX="distcc g++"` under `distcc-pump` and locally: the same objects, every compile remote, no
  /// compile and no `-E` here except the `-dM -E` that writes `moc_predefs.h` (a build step of its own).
  @Test func qtExamplesUnderPump() throws {
    let examples = "/usr/lib/x86_64-linux-gnu/qt5/examples"
    let projects = ["widgets/widgets/analogclock", "corelib/threads/mandelbrot"]
    let session = try PumpSession(.ours)
    var directories: [String] = []
    for project in projects {
      let name = String(project.split(separator: "/").last!)
      let directory = session.world.path + "/qt/" + name
      try FileManager.default.createDirectory(
        atPath: session.world.path + "/qt", withIntermediateDirectories: true)
      try FileManager.default.copyItem(atPath: examples + "/" + project, toPath: directory)
      unlink(directory + "/" + name)  // the example as Debian built it
      let qmake = try runProcess(
        ["/usr/bin/qmake", "CONFIG+=force_debug_info"], environment: session.world.environment,
        in: directory)
      #expect(qmake.status == 0, "\(qmake.stderr)")
      directories.append(directory)
    }
    func make(_ arguments: [String]) throws -> [String: Data] {
      var objects: [String: Data] = [:]
      for directory in directories {
        let result = try runProcess(
          arguments + ["-C", directory, "-j2"], environment: session.world.environment,
          in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stderr.contains("locally"), "\(result.stderr)")
        for name in try FileManager.default.contentsOfDirectory(atPath: directory)
        where name.hasSuffix(".o") {
          objects[directory + "/" + name] = FileManager.default.contents(
            atPath: directory + "/" + name)
        }
      }
      return objects
    }
    let reference = try make(["/usr/bin/make"])
    #expect(reference.count >= 8 && reference.keys.contains { $0.contains("/moc_") })
    for directory in directories {
      #expect(
        try runProcess(
          ["/usr/bin/make", "clean"], environment: session.world.environment, in: directory
        ).status == 0)
    }
    let before = session.compilerRuns.count
    let pumped = try make([
      Binaries.ours("distcc-pump"), "/usr/bin/make", "CXX=\(Binaries.ours("distcc")) g++",
    ])
    #expect(pumped == reference, "\(pumped.filter { reference[$0.key] != $0.value }.keys.sorted())")
    let localRuns = Array(session.compilerRuns[before...])
    #expect(localRuns.filter { $0.split(separator: " ").contains("-c") }.isEmpty, "\(localRuns)")
    let preprocessed = localRuns.filter(PumpSession.isPreprocessorRun)
    #expect(preprocessed.allSatisfy { $0.contains("-dM -E -o moc_predefs.h") }, "\(preprocessed)")
    #expect(session.daemon.compiledJobs(expected: reference.count) == reference.count)
    _ = try session.shutDown()
  }
}
