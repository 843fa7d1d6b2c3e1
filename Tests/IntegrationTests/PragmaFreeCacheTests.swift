import DistPosix
import DistTestSupport
import Foundation
import Glibc
import Testing

/// `$DISTCC_DIR/pragma-free` (Docs/distcc.md "Directives-only preprocessing") through our client, a real
/// daemon of ours on loopback and real gcc: a warm job checks the files its line markers name with a `stat`
/// each, an edited header is read again, a damaged cache is ignored and replaced, concurrent clients leave a
/// well-formed cache that ends up knowing every file.
@Suite(.serialized, .timeLimit(.minutes(3))) struct PragmaFreeCacheTests {
  /// A padded header whose padding line can become `#pragma message(...)` of the same length.
  static let padding = "int padding_padding_padding_paddi;\n"
  static let pragma = "#pragma message(\"shared.h is old\")\n"

  static let verbose = ["DISTCC_FALLBACK": "0", "DISTCC_VERBOSE": "1"]

  /// A world with our daemon announced, `t.c` including `shared.h`, both settled.
  static func world() throws -> (ClientWorld, TestDaemon) {
    let (world, daemon) = try ClientWorld.withDaemon(.ours)
    try world.announce(daemon)
    try world.write("shared.h", "#define TWICE(x) ((x) * 2)\n" + padding)
    try world.write("t.c", "#include \"shared.h\"\nint t(int v) { return TWICE(v); }\n")
    try world.waitUntilSettled(["shared.h", "t.c"])
    return (world, daemon)
  }

  /// A cold job reads every file and remembers it; a warm one reads none and leaves the cache file as it
  /// was; a header edited to add `#pragma message` (same size) is read again and the job falls back to full
  /// preprocessing, with the diagnostics and the object of a local compile.
  @Test func warmJobsStatAndEditedHeadersAreReadAgain() throws {
    let (world, daemon) = try Self.world()
    defer { daemon.stop() }
    let cold = try world.compile("t.c", log: "cold.log")
    #expect(cold.status == 0, "\(cold.stderr)")
    #expect(
      world.logText("cold.log").contains("vanishing-pragma check: 0 files known clean, 3 read"))
    let cache = try FileStatus(world.distccDir + "/pragma-free")
    #expect(world.fingerprints().count == 3, "t.c, shared.h, stdc-predef.h")

    let warm = try world.compile("t.c", log: "warm.log")
    #expect(warm.status == 0, "\(warm.stderr)")
    #expect(
      world.logText("warm.log").contains("vanishing-pragma check: 3 files known clean, 0 read"))
    let after = try FileStatus(world.distccDir + "/pragma-free")
    #expect(after.inode == cache.inode && after.changeNanoseconds == cache.changeNanoseconds)
    #expect(daemon.compiledJobs(expected: 2) == 2)
    #expect(daemon.count("directives-only request") == 2)

    #expect(Self.pragma.utf8.count == Self.padding.utf8.count)
    try world.rewriteInPlace("shared.h", "#define TWICE(x) ((x) * 2)\n" + Self.pragma)
    let edited = try world.compile("t.c", log: "edited.log")
    let local = try world.local([
      "gcc", "-O2", "-fno-diagnostics-show-caret", "-c", "t.c", "-o", "local.o",
    ])
    #expect(edited.status == 0 && edited.status == local.status)
    #expect(
      edited.stderr == local.stderr && edited.stderr.contains("shared.h is old"), "\(edited.stderr)"
    )
    #expect(world.contents("t.o") == world.contents("local.o"))
    let log = world.logText("edited.log")
    #expect(log.contains("shared.h has #pragma message; preprocessing it fully"), "\(log)")
    #expect(log.contains(", 1 read"), "only the edited header is read: \(log)")
    #expect(daemon.compiledJobs(expected: 3) == 3)
    #expect(
      daemon.count("directives-only request") == 2, "the edited job was sent fully preprocessed")
  }

  /// A cache file that is torn, of another format or not ours is not believed (every file is read, so a
  /// `#pragma message` hidden behind a planted fingerprint is found), and is replaced by a good one.
  @Test(arguments: ["torn", "another format", "foreign owner"])
  func damagedCacheIsIgnoredAndReplaced(damage: String) throws {
    let (world, daemon) = try Self.world()
    defer { daemon.stop() }
    try world.compile("t.c", log: "first.log")
    let path = world.distccDir + "/pragma-free"
    let good = try #require(world.contents("distcc-dir/pragma-free"))
    switch damage {
    case "torn": try good.dropLast(5).write(to: URL(fileURLWithPath: path))
    case "another format":
      var bytes = good
      bytes[7] = UInt8(ascii: "0")
      try bytes.write(to: URL(fileURLWithPath: path))
    default: #expect(chown(path, 4_000_321, 4_000_321) == 0)
    }
    let damaged = try world.compile("t.c", log: "damaged.log")
    #expect(damaged.status == 0, "\(damaged.stderr)")
    #expect(world.logText("damaged.log").contains("0 files known clean, 3 read"), "\(damage)")
    let replaced = try FileStatus(path)
    #expect(replaced.ownerID == geteuid())
    #expect(world.fingerprints().count == 3, "\(damage): a good file again")
    let warm = try world.compile("t.c", log: "warm.log")
    #expect(warm.status == 0)
    #expect(world.logText("warm.log").contains("3 files known clean, 0 read"), "\(damage)")
    #expect(daemon.count("directives-only request") == 3)
  }

  /// Eight clients at once, then one after another, then at once again: every object is a local compile's,
  /// the cache is well formed after each round (no temporary file left), the sequential round leaves it
  /// knowing every file, and the last round reads none.
  @Test func concurrentClientsShareTheCache() throws {
    let (world, daemon) = try ClientWorld.withDaemon(.ours, hostOptions: "/8")
    defer { daemon.stop() }
    try world.announce(daemon)
    try world.write("shared.h", "#define TWICE(x) ((x) * 2)\n")
    let count = 8
    for index in 0..<count {
      try world.write(
        "h\(index).h", "static inline int h\(index)(int v) { return TWICE(v) + \(index); }\n")
      try world.write(
        "s\(index).c",
        "#include \"shared.h\"\n#include \"h\(index).h\"\nint s\(index)(void) { return h\(index)(1); }\n"
      )
    }
    try world.waitUntilSettled(["shared.h"] + (0..<count).flatMap { ["h\($0).h", "s\($0).c"] })
    func round(_ name: String, parallel: Bool) throws {
      var runs: [PendingRun] = []
      var results: [ProcessResult?] = []
      for index in 0..<count {
        let arguments = [
          ClientHarness.distcc, "gcc", "-O2", "-c", "s\(index).c", "-o", "s\(index).o",
        ]
        var environment = world.environment.merging(Self.verbose) { $1 }
        environment["DISTCC_LOG"] = world.path + "/\(name)-\(index).log"
        runs.append(PendingRun(arguments, environment: environment, in: world.path))
        if !parallel { results.append(runs[index].wait()) }
      }
      if parallel { results = runs.map { $0.wait() } }
      for (index, result) in results.enumerated() {
        #expect(result?.status == 0, "\(name) s\(index).c: \(result?.stderr ?? "not run")")
        try world.local(["gcc", "-O2", "-c", "s\(index).c", "-o", "local\(index).o"])
        #expect(
          world.contents("s\(index).o") == world.contents("local\(index).o"), "\(name) s\(index).o")
        try? FileManager.default.removeItem(atPath: world.path + "/s\(index).o")
      }
      #expect(world.fingerprints().count <= 2 * count + 2, "\(name): well formed")
      let left = try FileManager.default.contentsOfDirectory(atPath: world.distccDir)
      #expect(left.filter { $0.hasPrefix(".pragma-free") }.isEmpty, "\(name): \(left)")
    }
    try round("parallel", parallel: true)
    try round("sequential", parallel: false)
    #expect(world.fingerprints().count == 2 * count + 2, "every source, header and stdc-predef.h")
    try round("warm", parallel: true)
    for index in 0..<count {
      let log = world.logText("warm-\(index).log")
      #expect(
        log.contains("vanishing-pragma check: 4 files known clean, 0 read"), "s\(index): \(log)")
    }
    #expect(daemon.count("directives-only request") == 3 * count)
  }
}

extension ClientWorld {
  /// Our client compiles `source` with `-O2` (no caret lines, so that its standard error compares with a
  /// local compile's), logging verbosely to `log`.
  @discardableResult
  func compile(_ source: String, log: String) throws -> ProcessResult {
    try distcc(
      [
        "gcc", "-O2", "-fno-diagnostics-show-caret", "-c", source, "-o",
        source.replacingOccurrences(of: ".c", with: ".o"),
      ],
      PragmaFreeCacheTests.verbose.merging(["DISTCC_LOG": path + "/" + log]) { $1 })
  }

  func logText(_ name: String) -> String {
    String(decoding: contents(name) ?? Data(), as: UTF8.self)
  }

  /// Waits until every file in `names` last changed over a second ago: only then does the client remember
  /// it (`PragmaFreeFiles.settle`).
  func waitUntilSettled(_ names: [String]) throws {
    let latest =
      try names.map { name -> Int64 in
        let status = try FileStatus(path + "/" + name)
        return max(status.modificationNanoseconds, status.changeNanoseconds)
      }.max() ?? 0
    try Wait.require("files to settle", seconds: 5) {
      WallClock.nanoseconds > latest + 1_050_000_000
    }
  }

  /// Rewrites `name` in place (same inode) with `text`.
  func rewriteInPlace(_ name: String, _ text: String) throws {
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path + "/" + name))
    try handle.write(contentsOf: Data(text.utf8))
    try handle.close()
  }

  /// The fingerprints in the client's cache, after checking that it is well formed (our magic, whole
  /// fingerprints, ascending without repeats); empty if it is not.
  func fingerprints() -> [UInt64] {
    guard let data = contents("distcc-dir/pragma-free"), data.count >= 8,
      data.prefix(8) == Data("PRGFREE1".utf8), (data.count - 8) % 8 == 0
    else { return [] }
    let values = stride(from: 8, to: data.count, by: 8).map { offset in
      data[offset..<offset + 8].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
    }
    return zip(values, values.dropFirst()).allSatisfy { $0 < $1 } ? values : []
  }
}
