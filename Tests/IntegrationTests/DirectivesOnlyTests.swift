import DistProtocol
import DistTestSupport
import Foundation
import Glibc
import Testing

/// Directives-only preprocessing (Docs/distcc.md "Directives-only preprocessing") through a real daemon
/// of ours on loopback with real gcc: every macro feature gives the object and the diagnostics of a local
/// compile byte for byte, and what gcc 12 would get wrong falls back to 3.4's full preprocessing, which the
/// daemon's log proves.
@Suite(.serialized, .timeLimit(.minutes(3))) struct DirectivesOnlyTests {
  /// One source case: files to write, the compile's options, and whether directives-only is used.
  struct Case: CustomStringConvertible {
    var name: String
    var files: [String: String]
    var source: String
    var options: [String]
    var directivesOnly: Bool
    /// False where even 3.4's full preprocessing does not give a local compile's object (`-g3`: the
    /// macro information is not in a `.i`).
    var objectsMatch = true
    var description: String { name }
  }

  static let header = """
    #ifndef SHARED_H
    #define SHARED_H
    #define SQUARE(x) ((x) * (x))
    #define SHIFT_TOO_FAR(x) ((x) << 40)
    static inline int include_level(void) { return __INCLUDE_LEVEL__; }
    static const char *header_file = __FILE__;
    #endif

    """

  static let cases: [Case] = [
    Case(
      name: "warnings inside macro expansions", files: ["shared.h": header],
      source: """
        #include "shared.h"
        #define LOCAL_SHIFT(v) ((v) << 50)
        int g(int x) { int y = SHIFT_TOO_FAR(x); return SQUARE(y) + LOCAL_SHIFT(x); }
        int main(void) { int unused; return 0; }

        """, options: ["-O2", "-Wall", "-Wextra"], directivesOnly: true),
    Case(
      name: "__FILE__ __LINE__ __FILE_NAME__ __INCLUDE_LEVEL__", files: ["shared.h": header],
      source: """
        #include "shared.h"
        const char *file = __FILE__; int line = __LINE__; const char *name = __FILE_NAME__;
        int level = __INCLUDE_LEVEL__; int in_header(void) { return include_level(); }
        const char *from_header(void) { return header_file; }

        """, options: ["-O2"], directivesOnly: true),
    Case(
      name: "__COUNTER__", files: [:],
      source: """
        #define JOIN2(a, b) a##b
        #define JOIN(a, b) JOIN2(a, b)
        int JOIN(v, __COUNTER__) = __COUNTER__; int JOIN(v, __COUNTER__) = __COUNTER__;

        """, options: ["-O2"], directivesOnly: true),
    Case(
      name: "__COUNTER__ in a directive (directives-only cpp fails)", files: [:],
      source: "#if __COUNTER__ == 0\nint first;\n#endif\nint c = __COUNTER__;\n", options: ["-O2"],
      directivesOnly: false),
    Case(
      name: "__DATE__ __TIME__ under SOURCE_DATE_EPOCH", files: [:],
      source: "const char *when = __DATE__ \" \" __TIME__;\n", options: ["-O2"],
      directivesOnly: false),
    Case(
      name: "__TIMESTAMP__", files: [:], source: "const char *stamp = __TIMESTAMP__;\n",
      options: ["-O2"], directivesOnly: false),
    Case(
      name: "__BASE_FILE__", files: [:], source: "const char *base = __BASE_FILE__;\n",
      options: ["-O2"], directivesOnly: false),
    Case(
      name: "#pragma GCC diagnostic and _Pragma", files: [:],
      source: """
        #pragma GCC diagnostic push
        #pragma GCC diagnostic ignored "-Wunused-variable"
        static int quiet;
        #pragma GCC diagnostic pop
        static int loud;
        #define DO_PRAGMA(x) _Pragma(#x)
        DO_PRAGMA(GCC diagnostic push)
        DO_PRAGMA(GCC diagnostic ignored "-Wunused-parameter")
        int f(int unused_parameter) { return 0; }
        DO_PRAGMA(GCC diagnostic pop)
        int g(int reported) { return 0; }
        #pragma pack(push, 1)
        struct packed { char c; int i; } packed_value;
        #pragma pack(pop)
        #pragma weak weakling
        void weakling(void) {}

        """, options: ["-O2", "-Wall", "-Wextra"], directivesOnly: true),
    Case(
      name: "#pragma GCC system_header",
      files: ["system.h": "#pragma GCC system_header\nstatic int hidden;\n"],
      source: "#include \"system.h\"\nstatic int shown;\n", options: ["-O2", "-Wall"],
      directivesOnly: true),
    Case(
      name: "#pragma push_macro/pop_macro", files: [:],
      source: """
        #define A 1
        #pragma push_macro("A")
        #undef A
        #define A 2
        int before = A;
        #pragma pop_macro("A")
        int after = A;

        """, options: ["-O2"], directivesOnly: false),
    Case(
      name: "#pragma GCC poison", files: [:], source: "#pragma GCC poison gets\nint ok;\n",
      options: ["-O2"], directivesOnly: false),
    Case(
      name: "#pragma once", files: ["once.h": "#pragma once\nint once_only;\n"],
      source: "#include \"once.h\"\n#include \"once.h\"\nint x;\n", options: ["-O2"],
      directivesOnly: false),
    Case(
      name: "#pragma message", files: [:], source: "#pragma message \"hello\"\nint x;\n",
      options: ["-O2"], directivesOnly: false),
    Case(
      name: "#pragma message in a header (dropped by gcc 12 without a trace)",
      files: ["deprecated.h": "#pragma message(\"deprecated.h is deprecated\")\nint old;\n"],
      source: "#include \"deprecated.h\"\nint x;\nstatic int numbered;\n",
      options: ["-O2", "-Wall"],
      directivesOnly: false),
    Case(
      name: "#pragma redefine_extname", files: [:],
      source:
        "#pragma redefine_extname old_name new_name\nint old_name(void);\nint f(void) { return old_name(); }\n",
      options: ["-O2"], directivesOnly: false),
    Case(
      name: "_Pragma(message) from a macro", files: [:],
      source: "#define SAY(x) _Pragma(#x)\nSAY(message \"from a macro\")\nint x;\n",
      options: ["-O2"],
      directivesOnly: true),
    Case(
      name: "-fopenmp", files: [:],
      source:
        "void f(int *a, int n) {\n#pragma omp parallel for\n  for (int i = 0; i < n; i++) a[i] = i;\n}\n",
      options: ["-O2", "-fopenmp"], directivesOnly: false),
    Case(
      name: "-Wunused-macros", files: [:], source: "#define NEVER_USED 1\nint x;\n",
      options: ["-O2", "-Wunused-macros"], directivesOnly: false),
    Case(
      name: "-dD", files: ["shared.h": header],
      source: "#include \"shared.h\"\nint s = SQUARE(3);\n",
      options: ["-O2", "-dD"], directivesOnly: true),
    Case(
      name: "-g", files: ["shared.h": header],
      source: "#include \"shared.h\"\nint s = SQUARE(3);\n",
      options: ["-O2", "-g"], directivesOnly: false),
    Case(
      name: "-g -gno-record-gcc-switches", files: ["shared.h": header],
      source: "#include \"shared.h\"\nint s(int v) { return SQUARE(v); }\n",
      options: ["-O2", "-g", "-gno-record-gcc-switches"], directivesOnly: true),
    Case(
      name: "-g3 macro information", files: ["shared.h": header],
      source: "#include \"shared.h\"\nint s = SQUARE(3);\n",
      options: ["-O2", "-g3", "-gno-record-gcc-switches"], directivesOnly: false,
      objectsMatch: false),
    Case(
      name: "-D and -U on the command line", files: [:],
      source: "int d = FROM_COMMAND_LINE;\n#ifdef GONE\n#error GONE\n#endif\n",
      options: ["-O2", "-DFROM_COMMAND_LINE=42", "-DGONE", "-UGONE"], directivesOnly: true),
  ]

  /// Every case through our daemon (which already announced directives-only): object bytes, standard
  /// error and exit status equal to a local compile, and the daemon expanded macros exactly for the cases
  /// that use directives-only.
  @Test func macroFeaturesMatchALocalCompile() throws {
    let (world, daemon) = try ClientWorld.withDaemon(.ours)
    defer { daemon.stop() }
    world.environment["SOURCE_DATE_EPOCH"] = "1700000000"
    try world.announce(daemon)
    var expanded = 0
    for (index, example) in Self.cases.enumerated() {
      for (name, text) in example.files { try world.write(name, text) }
      let source = "case\(index).c"
      try world.write(source, example.source)
      // A daemon cannot quote source lines it does not have (nor could 3.4's): compared without them.
      let options = example.options + ["-fno-diagnostics-show-caret"]
      let (local, remote) = try world.compileLocallyAndRemotely(
        ["gcc"] + options + ["-c", source, "-o"])
      #expect(remote.status == local.status, "\(example)")
      #expect(remote.stderr == local.stderr, "\(example): stderr differs")
      #expect(world.objectsMatch == example.objectsMatch, "\(example): object")
      if example.directivesOnly { expanded += 1 }
      #expect(daemon.compiledJobs(expected: index + 1) == index + 1, "\(example)")
      #expect(
        daemon.count("directives-only request") == expanded,
        "\(example): the daemon \(example.directivesOnly ? "did not get" : "got") a directives-only request"
      )
    }
  }

  /// The same compile with `DISTCC_DIRECTIVES_ONLY=0` sends 3.4's full preprocessing, from gcc and clang.
  @Test(arguments: ["gcc", "clang"]) func environmentSwitchesItOff(compiler: String) throws {
    let (world, daemon) = try ClientWorld.withDaemon(.ours)
    defer { daemon.stop() }
    try world.announce(daemon)
    let result = try world.distcc(
      [compiler, "-O2", "-c", "hello.c", "-o", "hello.o"],
      ["DISTCC_FALLBACK": "0", "DISTCC_DIRECTIVES_ONLY": "0"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(daemon.compiledJobs(expected: 1) == 1)
    #expect(daemon.count("directives-only request") == 0)
    #expect(daemon.count("rewritten-includes request") == 0)
    try world.local([compiler, "-O2", "-c", "hello.c", "-o", "local.o"])
    #expect(world.contents("hello.o") == world.contents("local.o"))
  }

  /// `DISTCC_DIRECTIVES_ONLY` unset: gcc jobs go directives-only, clang jobs fully preprocessed (their
  /// rewritten includes cost the client more than full preprocessing); `1` asks for clang's too.
  @Test(arguments: [("gcc", nil, 1, 0), ("clang", nil, 0, 0), ("clang", "1", 0, 1)])
  func defaultsPerCompiler(
    compiler: String, setting: String?, directivesOnly: Int, rewritten: Int
  ) throws {
    let (world, daemon) = try ClientWorld.withDaemon(.ours)
    defer { daemon.stop() }
    try world.announce(daemon)
    var environment = ["DISTCC_FALLBACK": "0"]
    environment["DISTCC_DIRECTIVES_ONLY"] = setting
    let result = try world.distcc(
      [compiler, "-O2", "-c", "hello.c", "-o", "hello.o"], environment)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(daemon.compiledJobs(expected: 1) == 1)
    #expect(daemon.count("directives-only request") == directivesOnly)
    #expect(daemon.count("rewritten-includes request") == rewritten)
    try world.local([compiler, "-O2", "-c", "hello.c", "-o", "local.o"])
    #expect(world.contents("hello.o") == world.contents("local.o"))
  }

  /// With the farm's only slot busy, the job is preprocessed while it waits, directives-only since the
  /// host announced it, once (not again when the slot frees), and sent as a directives-only request.
  @Test func busyFarmPreprocessesDirectivesOnlyWhileWaiting() throws {
    let (world, daemon) = try ClientWorld.withDaemon(
      .ours, hostOptions: "/1", extraArguments: ["--enable-tcp-insecure", "--no-sandbox"])
    defer { daemon.stop() }
    try world.announce(daemon)
    chmod(world.path, 0o777)  // the daemon's user runs slowcc from here
    let slow = try world.writeSlowCompiler(sleep: 2)
    let holding = world.start([ClientHarness.distcc, slow, "-c", "hello.c", "-o", "slow.o"])
    #expect(waitUntil { world.exists("started") }, "the first job's remote compile started")
    let waiting = try world.distcc(
      ["gcc", "-c", "hello.c", "-o", "waited.o"],
      ["DISTCC_FALLBACK": "0", "DISTCC_VERBOSE": "1", "DISTCC_LOG": world.path + "/client.log"])
    #expect(waiting.status == 0, "\(waiting.stderr)")
    #expect(holding.wait()?.status == 0)
    let log = String(decoding: world.contents("client.log") ?? Data(), as: UTF8.self)
    #expect(log.contains("every slot is busy: preprocessing hello.c while waiting"), "\(log)")
    #expect(
      log.ranges(of: "-fdirectives-only\n").count == 1, "one directives-only preprocessor: \(log)")
    #expect(log.ranges(of: "-E hello.c\n").isEmpty, "no full preprocessor: \(log)")
    #expect(log.contains("request uses compiler-identity,directives-only"), "\(log)")
    #expect(daemon.compiledJobs(expected: 2) == 2, "\(daemon.log)")
    #expect(daemon.count("directives-only request") == 2)
    try world.local(["gcc", "-c", "hello.c", "-o", "local.o"])
    #expect(world.contents("waited.o") == world.contents("local.o"))
    #expect(world.contents("slow.o") == world.contents("local.o"))
  }

  /// The connection to the host is opened while the directives-only (gcc) or rewrite (clang) preprocessor
  /// runs (the request itself waits for it): the local preprocessor (`-E`), a wrapper that waits up to 5 s
  /// for the daemon to log the connection before it runs the compiler, sees it.
  @Test(arguments: [
    ("gcc", "-fdirectives-only", "directives-only request"),
    ("clang", "-frewrite-includes", "rewritten-includes request"),
  ]) func connectsWhileThePartialPreprocessorRuns(
    compiler: String, option: String, logged: String
  ) throws {
    let (world, daemon) = try ClientWorld.withDaemon(
      .ours, extraArguments: ["--enable-tcp-insecure", "--no-sandbox"])
    defer { daemon.stop() }
    try world.announce(daemon)
    chmod(world.path, 0o777)  // the daemon's user runs the wrapper from here
    let seen = "grep -q 'connection from' '\(daemon.logPath)'"
    let wrapper = "gated" + compiler  // a clang's name contains "clang" (the daemon checks for bit 8)
    try world.write(
      wrapper,
      """
      #!/bin/sh
      case " $* " in *" -E "*" \(option) "*)
        i=0; until \(seen) || [ $i -ge 100 ]; do sleep 0.05; i=$((i+1)); done
        \(seen) && touch '\(world.path)/connected-during-cpp';;
      esac
      exec \(compiler) "$@"

      """)
    chmod(world.path + "/" + wrapper, 0o755)
    let result = try world.distcc(
      [world.path + "/" + wrapper, "-O2", "-c", "hello.c", "-o", "hello.o"],
      ["DISTCC_FALLBACK": "0", "DISTCC_DIRECTIVES_ONLY": "1"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(world.exists("connected-during-cpp"), "\(daemon.log)")
    #expect(daemon.compiledJobs(expected: 1) == 1)
    #expect(daemon.count(logged) == 1)
    try world.local([compiler, "-O2", "-c", "hello.c", "-o", "local.o"])
    #expect(world.contents("hello.o") == world.contents("local.o"))
  }

  /// Debian's 3.4 daemon never announces, so it gets full `.i` from gcc and clang jobs; believed ours (a
  /// stale caps file claiming our extensions), its failed request is retried once with 3.4's request and
  /// full preprocessing.
  @Test(arguments: ["gcc", "clang"], [false, true]) func debianDaemonGetsFullPreprocessing(
    compiler: String, staleCaps: Bool
  ) throws {
    let (world, daemon) = try ClientWorld.withDaemon(.debian)
    defer { daemon.stop() }
    if staleCaps { try world.announce(daemon) }
    let result = try world.distcc(
      [compiler, "-O2", "-c", "hello.c", "-o", "hello.o"],
      [
        "DISTCC_FALLBACK": "0", "DISTCC_VERBOSE": "1", "DISTCC_LOG": world.path + "/client.log",
        "DISTCC_DIRECTIVES_ONLY": "1",
      ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(daemon.compiledJobs(expected: 1) == 1)
    try world.local([compiler, "-O2", "-c", "hello.c", "-o", "local.o"])
    #expect(world.contents("hello.o") == world.contents("local.o"))
    let log = String(decoding: world.contents("client.log") ?? Data(), as: UTF8.self)
    let partial = compiler == "gcc" ? "-fdirectives-only" : "-frewrite-includes"
    let preprocessors = log.split(separator: "\n").filter { $0.contains("running preprocessor:") }
    #expect(
      preprocessors.filter { $0.contains(partial) }.count == (staleCaps ? 1 : 0), "\(log)")
    #expect(
      preprocessors.filter { !$0.contains(partial) }.count == 1, "one full preprocessing: \(log)")
    #expect(staleCaps || !log.contains("request uses"), "\(log)")
  }

  /// A request asking for directives-only preprocessing or rewritten includes with something that is not a
  /// C or C++ source the client preprocessed (a `.i`, a protocol 3 request), asking for both, or asking for
  /// rewritten includes from a compiler that is not clang, is refused with a reply naming why; the daemon
  /// goes on serving.
  @Test(arguments: [
    (["gcc", "-c", "t.i", "-o", "t.o"], Extensions.directivesOnly, ProtocolVersion.v2, "source"),
    (["gcc", "-c", "t.i", "-o", "t.o"], .rewrittenIncludes, .v2, "source"),
    (["clang", "-c", "t.c", "-o", "t.o"], .partialPreprocessing, .v2, "source"),
    (["/usr/bin/gcc", "-c", "t.c", "-o", "t.o"], .rewrittenIncludes, .v2, "clang"),
    (["/opt/clang/bin/gcc", "-c", "t.c", "-o", "t.o"], .rewrittenIncludes, .v2, "clang"),
    (Wire.pumpArguments, .directivesOnly, .v3, "source"),
    (["clang"] + Wire.pumpArguments.dropFirst(), .rewrittenIncludes, .v3, "source"),
  ]) func hostilePartialPreprocessingRequestIsRefused(
    arguments: [String], extensions: Extensions, version: ProtocolVersion, refused: String
  ) throws {
    let world = try DaemonWorld()
    try world.startDaemon()
    var request =
      version == .v3
      ? Request(
        version: .v3, workingDirectory: Array("/home/u/proj".utf8),
        arguments: arguments.map { Array($0.utf8) }, files: Wire.project)
      : Request(
        version: version, arguments: arguments.map { Array($0.utf8) },
        source: Array("int x;\n".utf8))
    request.extensions = extensions
    let reply = try #require(try world.exchange(try request.encoded()))
    var decoder = ResponseDecoder(expecting: version, extensions: extensions)
    decoder.append(reply)
    let response = try #require(try decoder.next())
    let stderr = String(decoding: response.stderr, as: UTF8.self)
    #expect(!response.status.isSuccess)
    #expect(response.object.isEmpty)
    let reason =
      refused == "source"
      ? "a request that is not a preprocessed C or C++ source"
      : "a compiler whose name does not contain clang"
    #expect(
      stderr.contains("directives-only or rewritten-includes preprocessing asked for " + reason),
      "\(stderr)")
    #expect(!world.log.contains("directives-only request:"))
    #expect(!world.log.contains("rewritten-includes request:"))
    let again = try world.exchange(try DaemonWorld.request(.v2))
    var next = ResponseDecoder(expecting: .v2)
    next.append(try #require(again))
    #expect(try #require(try next.next()).status.isSuccess)
  }
}

extension ClientWorld {
  /// `command` (ending in `-o`) compiled here into `local.o` and through our client (verbose, logging to
  /// `client.log`, no local fallback) into `remote.o`, whose earlier copy is removed first.
  func compileLocallyAndRemotely(_ command: [String]) throws -> (
    local: ProcessResult, remote: ProcessResult
  ) {
    try? FileManager.default.removeItem(atPath: path + "/remote.o")
    let local = try self.local(command + ["local.o"])
    let remote = try distcc(
      command + ["remote.o"],
      [
        "DISTCC_FALLBACK": "0", "DISTCC_VERBOSE": "1", "DISTCC_LOG": path + "/client.log",
        "DISTCC_DIRECTIVES_ONLY": "1",
      ])
    return (local, remote)
  }

  /// Whether `remote.o` is `local.o` byte for byte.
  var objectsMatch: Bool { contents("remote.o") == contents("local.o") }

  /// Writes the caps file our client keeps for `daemon` as if it had announced `extensions`.
  func announce(
    _ daemon: TestDaemon,
    _ extensions: Extensions = [.zstd, .compilerIdentity, .directivesOnly, .rewrittenIncludes]
  ) throws {
    try directory.makeDirectories("distcc-dir/caps")
    try write(
      "distcc-dir/caps/xcap_tcp_\(daemon.address)_\(daemon.port)",
      String(extensions.rawValue, radix: 16) + "\n")
  }
}
