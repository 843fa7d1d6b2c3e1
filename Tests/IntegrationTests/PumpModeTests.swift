import DistTestSupport
import Foundation
import Glibc
import Testing

@Suite(.serialized) struct PumpModeTests {
  static let kinds: [RealDaemon.Kind] = Binaries.hasDebianDistcc ? [.ours, .debian] : [.ours]

  /// Compiles `source` (written as `name`) remotely in pump mode and locally, asserts protocol 3 (no local
  /// preprocessing, the daemon compiled it) and identical objects.
  func expectPumped(
    _ session: PumpSession, _ arguments: [String], output: String, remoteJobs: Int,
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let result = try session.distcc(arguments)
    #expect(result.status == 0, "\(result.stderr)", sourceLocation: sourceLocation)
    // Neither preprocessed here nor retried here after a remote failure (a missing header would be).
    #expect(!result.stderr.contains("locally"), "\(result.stderr)", sourceLocation: sourceLocation)
    #expect(session.localPreprocessorRuns == 0, sourceLocation: sourceLocation)
    #expect(
      session.daemon.compiledJobs(expected: remoteJobs) == remoteJobs,
      sourceLocation: sourceLocation)
    let remote = session.bytes(output)
    let localArguments = arguments.map { $0 == output ? "local-" + output : $0 }
    let local = try session.world.local(localArguments)
    #expect(local.status == 0, sourceLocation: sourceLocation)
    #expect(
      remote != nil && remote == session.bytes("local-" + output), sourceLocation: sourceLocation)
  }

  @Test(arguments: kinds) func computedIncludesBackslashesAndCommas(kind: RealDaemon.Kind) throws {
    let session = try PumpSession(kind)
    try session.write([
      "testhdr.h": "#define HELLO_WORLD \"hello world\"\n",
      "subdir\\testhdr.h": "#define BACKSLASH 1\n", "foo1,2.h": "#define COMMA 2\n",
    ])
    try session.world.write(
      "computed.c",
      """
      #include <stdio.h>
      #define MAKE_HEADER(header_name) STRINGIZE(header_name.h)
      #define STRINGIZE(x) STRINGIZE2(x)
      #define STRINGIZE2(x) #x
      #define HEADER MAKE_HEADER(testhdr)
      #include HEADER
      #define MAKE_HEADER2(header_name) STRINGIZE(subdir\\header_name.h)
      #include MAKE_HEADER2(testhdr)
      #if FALSE
        #define OTHER MAKE_OTHER(testhdr)
        #define MAKE_OTHER(header_name) STRINGIZE(foobar\\\\)
      #else
        #define OTHER "foo1,2.h"
      #endif
      #include OTHER
      int main(void) { puts(HELLO_WORLD); return BACKSLASH + COMMA; }

      """)
    try expectPumped(
      session, ["gcc", "-c", "computed.c", "-o", "computed.o"], output: "computed.o", remoteJobs: 1)
    let stats = try session.shutDown()
    #expect(stats.stderr.contains("queries 1, gave up 0"), "\(stats.stderr)")
  }

  @Test(arguments: kinds) func systemDirectoriesCxxAndDependencyFiles(kind: RealDaemon.Kind) throws
  {
    let session = try PumpSession(kind)
    try session.write([
      "sys/dir/sys.h": "#pragma GCC system_header\n#define SYS 3\n",
      "inc/deep/x.h": "#include \"../up.h\"\n", "inc/up.h": "#define UP 4\n",
      "sysinc.c":
        "#include <sys.h>\n#include <stdlib.h>\n#include \"deep/x.h\"\nint f(void) { return SYS + UP; }\n",
    ])
    try expectPumped(
      session, ["gcc", "-isystem", "sys/dir", "-Iinc", "-c", "sysinc.c", "-o", "sysinc.o"],
      output: "sysinc.o", remoteJobs: 1)
    try expectPumped(
      session, ["g++", "-c", "join.cpp", "-o", "join.o"], output: "join.o", remoteJobs: 2)
    // -MD -MF: the dependency file comes from the server's DOTD, with client paths.
    let deps = try session.distcc([
      "gcc", "-c", "hello.c", "-ohello.o", "-MD", "-MF", "deps/hello.d",
    ])
    #expect(deps.status == 0, "\(deps.stderr)")
    let text = String(decoding: session.bytes("deps/hello.d") ?? Data(), as: UTF8.self)
    #expect(text.hasPrefix("hello.o: hello.c") && text.contains("greet.h"), "\(text)")
    #expect(!text.contains("distccd_"), "\(text)")
    if kind == .ours {
      // Wrapped as the client's own gcc wraps it: the same bytes.
      _ = try session.world.local([
        "gcc", "-c", "hello.c", "-o", "hello.o", "-MD", "-MF", "local-hello.d",
      ])
      #expect(session.bytes("deps/hello.d") == session.bytes("local-hello.d"))
    }
    // -Wp,-MD,file and -MT.
    let wp = try session.distcc([
      "gcc", "-c", "hello.c", "-o", "wp.o", "-Wp,-MD,wp.d", "-MT", "custom",
    ])
    #expect(wp.status == 0, "\(wp.stderr)")
    let wpText = String(decoding: session.bytes("wp.d") ?? Data(), as: UTF8.self)
    #expect(wpText.hasPrefix("custom: hello.c"), "\(wpText)")
    // An absolute -MF (3.4's daemon appends its own -MF, which gcc takes last; ours drops the client's):
    // compiled remotely, the client writes the .d where its command line says.
    let absolute = session.world.path + "/absdeps/abs.d"
    let abs = try session.distcc(["gcc", "-c", "hello.c", "-o", "abs.o", "-MD", "-MF", absolute])
    #expect(abs.status == 0, "\(abs.stderr)")
    let absText = String(decoding: session.bytes("absdeps/abs.d") ?? Data(), as: UTF8.self)
    #expect(absText.hasPrefix("abs.o: hello.c") && absText.contains("greet.h"), "\(absText)")
    #expect(!absText.contains("distccd_"), "\(absText)")
    #expect(session.localPreprocessorRuns == 0)
    #expect(session.daemon.compiledJobs(expected: 5) == 5)
    _ = try session.shutDown()
  }

  @Test(arguments: kinds) func failuresMissingHeadersAndDeviceOutput(kind: RealDaemon.Kind) throws {
    let session = try PumpSession(kind)
    try session.world.write("bad.c", "int f(void) { return missing_symbol; }\n")
    let bad = try session.distcc(["gcc", "-c", "bad.c", "-o", "bad.o"])
    #expect(bad.status == 1)
    #expect(bad.stderr.contains("missing_symbol"))
    #expect(!session.world.exists("bad.o"))
    try session.world.write("nothere.c", "#include \"nothere.h\"\nint x;\n")
    let missing = try session.distcc(["gcc", "-c", "nothere.c", "-o", "nothere.o"])
    #expect(missing.status == 1)
    #expect(missing.stderr.contains("nothere.h: No such file or directory"))
    #expect(!session.world.exists("nothere.o"))
    // A job that cannot go out as protocol 3 (CPATH set) fails under DISTCC_FALLBACK=0 instead of being
    // preprocessed here; with fallbacks it goes out as protocol 2 with 3.4's warning.
    let strict = try session.distcc(
      ["gcc", "-c", "hello.c", "-o", "strict.o"], ["CPATH": "inc", "DISTCC_FALLBACK": "0"])
    #expect(strict.status == 116, "\(strict.stderr)")
    #expect(
      strict.stderr.contains("cannot use distcc_pump with any of environment variables CPATH"))
    #expect(!session.world.exists("strict.o"))
    let plain = try session.distcc(["gcc", "-c", "hello.c", "-o", "plain.o"], ["CPATH": "inc"])
    #expect(plain.status == 0, "\(plain.stderr)")
    #expect(plain.stderr.contains("preprocessing locally"))
    // Output to a device node in the test's directory: compiled, the node left a device.
    guard mknod(session.world.path + "/node", S_IFCHR | 0o666, dev_t((1 << 8) | 3)) == 0 else {
      Issue.record("mknod: \(String(cString: strerror(errno)))")
      return
    }
    let device = try session.distcc(["gcc", "-c", "hello.c", "-o", "node"])
    #expect(device.status == 0, "\(device.stderr)")
    var info = stat()
    #expect(lstat(session.world.path + "/node", &info) == 0 && info.st_mode & S_IFMT == S_IFCHR)
    unlink(session.world.path + "/node")
    _ = try session.shutDown()
  }

  /// qmake's command lines name system directories with `-I/usr/include/...`: the include server sends 3.4's
  /// system-directory link and both daemons use their own Qt headers. (Needs `qtbase5-dev`.)
  @Test(arguments: kinds) func qtHeadersThroughSystemDirectoryLinks(kind: RealDaemon.Kind) throws {
    let qt = "/usr/include/x86_64-linux-gnu/qt5"
    guard access(qt + "/QtCore/QString", R_OK) == 0 else { return }
    let session = try PumpSession(kind)
    try session.world.write(
      "widget.cpp",
      "#include <QString>\n#include \"greet.h\"\nint size() { return QString(GREETING).size(); }\n")
    let debug = kind == .ours ? ["-g"] : []
    try expectPumped(
      session,
      ["g++", "-c", "-fPIC", "-I.", "-I" + qt, "-I" + qt + "/QtCore"] + debug + [
        "widget.cpp", "-o", "widget.o",
      ],
      output: "widget.o", remoteJobs: 1)
    _ = try session.shutDown()
  }

  @Test func debugInfoIsIdenticalWithOurDaemon() throws {
    let session = try PumpSession(.ours)
    try expectPumped(
      session, ["gcc", "-g", "-c", "hello.c", "-o", "hello.o"], output: "hello.o", remoteJobs: 1)
    try expectPumped(
      session, ["gcc", "-g", "-c", session.world.path + "/hello.c", "-o", "abs.o"], output: "abs.o",
      remoteJobs: 2)
    _ = try session.shutDown()
  }

  @Test func debianClientThroughOurIncludeServer() throws {
    guard Binaries.hasDebianDistcc else { return }
    let session = try PumpSession(.ours)
    let result = try session.distcc(["gcc", "-c", "hello.c", "-o", "hello.o"], debian: true)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(!result.stderr.contains("preprocessing locally"), "\(result.stderr)")
    #expect(session.localPreprocessorRuns == 0)
    #expect(session.daemon.compiledJobs(expected: 1) == 1)
    _ = try session.world.local(["gcc", "-c", "hello.c", "-o", "local.o"])
    #expect(session.bytes("hello.o") == session.bytes("local.o"))
    _ = try session.shutDown()
  }

  @Test func headersGeneratedAndEditedUnderOneIncludeServer() throws {
    let session = try PumpSession(.ours)
    try session.world.write("gen/placeholder.h", "\n")
    try session.world.write(
      "user.c",
      "#if __has_include(\"generated.h\")\n#include \"generated.h\"\n#endif\nint value(void) { return VALUE; }\nint VALUE_UNUSED;\n"
    )
    try session.world.write("value.h", "#define VALUE 11\n")
    try session.world.write(
      "uses.c",
      "#include \"gen/placeholder.h\"\n#include \"value.h\"\nint v(void) { return VALUE; }\n")
    try expectPumped(
      session, ["gcc", "-c", "uses.c", "-o", "uses.o"], output: "uses.o", remoteJobs: 1)
    // Edited between two builds, same size: the ctime tells.
    try session.world.write("value.h", "#define VALUE 22\n")
    try expectPumped(
      session, ["gcc", "-c", "uses.c", "-o", "uses.o"], output: "uses.o", remoteJobs: 2)
    // Generated mid-build in a directory already listed by an earlier query.
    try session.world.write("generated.h", "#define VALUE 33\n")
    try expectPumped(
      session, ["gcc", "-Igen", "-c", "user.c", "-o", "user.o"], output: "user.o", remoteJobs: 3)
    _ = try session.shutDown()
  }

  @Test func pumpCommandFormAndRefusal() throws {
    let world = try ClientWorld(hosts: "127.0.0.1:9,lzo")
    let refused = try runProcess(
      [Binaries.ours("distcc-pump"), "true"], environment: world.environment, in: world.path)
    #expect(refused.status == 1)
    #expect(
      refused.stderr.contains(
        "error: pump mode requested, but distcc hosts list does not contain any hosts with ',cpp' option"
      ))
    let daemon = try RealDaemon(.ours, address: "127.0.0.1", logDirectory: world.path)
    world.environment["DISTCC_HOSTS"] = daemon.hostSpec + ",cpp,lzo"
    world.environment["DISTCC_CLIENT_TMP"] = world.path
    let run = try runProcess(
      [Binaries.ours("distcc-pump"), "sh", "-c", "distcc gcc -c hello.c -o hello.o && exit 7"],
      environment: world.environment, in: world.path)
    #expect(run.status == 7, "\(run.stderr)")
    #expect(run.stdout.contains("__________Started distcc-pump include server"))
    #expect(run.stdout.contains("__________Shutting down distcc-pump include server"))
    #expect(daemon.compiledJobs(expected: 1) == 1)
    daemon.stop()
  }
}
