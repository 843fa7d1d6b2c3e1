import DistPosix
import DistTestSupport
import Glibc
import Testing

/// Every compile-shaped command line configure scripts and Kbuild run (issue 20, "also check"), through our
/// client against Debian's `distccd` 3.4 and ours, as root and as an ordinary user, compared with local gcc:
/// exit status, standard output, standard error and every file left in the directory. The table in
/// Docs/distcc.md ("Command-line shapes") lists the results and why the few differences are right.
@Suite(.timeLimit(.minutes(3)), .enabled(if: getuid() == 0, "needs root for mknod and useradd"))
struct CompileShapeTests {
  /// How our client's result must compare with local gcc's.
  enum Match: Sendable {
    /// Status, stdout, stderr and files identical.
    case exactly
    /// Status, stdout and files identical; our stderr has distcc's own lines besides gcc's, and gcc's lines
    /// lose their source excerpts when the compile ran remotely (the daemon sees preprocessed text only).
    case exceptDistccLines
  }

  /// One command line after `gcc`, with what it reads on standard input.
  struct Shape: Sendable, CustomStringConvertible {
    var name: String
    var arguments: [String]
    var standardInput = ""
    var match = Match.exactly
    var description: String { name }
  }

  static let source = "#include \"h.h\"\nint answer(void) { return N; }\n"

  static let shapes: [Shape] = [
    Shape(name: "-c x.c -o NULL (mknod 1,3)", arguments: ["-c", "x.c", "-o", "null"]),
    Shape(
      name: "cc-option: -c -x c NULL -o out.o", arguments: ["-c", "-x", "c", "null", "-o", "out.o"]),
    Shape(
      name: "-c - (stdin, no -x)", arguments: ["-c", "-", "-o", "out.o"], standardInput: source,
      match: .exceptDistccLines),
    Shape(
      name: "-x c -c - (stdin)", arguments: ["-x", "c", "-c", "-", "-o", "out.o"],
      standardInput: source),
    Shape(
      name: "-x c -c - -o NULL", arguments: ["-x", "c", "-c", "-", "-o", "null"],
      standardInput: source),
    Shape(name: "-E x.c", arguments: ["-E", "x.c"]),
    Shape(name: "-S x.c", arguments: ["-S", "x.c"]),
    Shape(name: "-MM x.c", arguments: ["-MM", "x.c"]),
    Shape(name: "-c x.c -o sub/x.o", arguments: ["-c", "x.c", "-o", "sub/x.o"]),
    Shape(name: "-c x.c (no -o)", arguments: ["-c", "x.c"]),
    Shape(name: "-c src/y.c (no -o)", arguments: ["-c", "src/y.c"]),
    Shape(name: "-c x.c -o x.o (no directory)", arguments: ["-c", "x.c", "-o", "x.o"]),
    Shape(name: "-save-temps -c x.c", arguments: ["-save-temps", "-c", "x.c"]),
    Shape(
      name: "-gsplit-dwarf -g -c x.c -o sub/x.o",
      arguments: ["-gsplit-dwarf", "-g", "-c", "x.c", "-o", "sub/x.o"]),
    Shape(name: "-MD -c x.c -o sub/x.o", arguments: ["-MD", "-c", "x.c", "-o", "sub/x.o"]),
    Shape(
      name: "Kbuild: -Wp,-MMD,sub/.x.o.d -c x.c -o sub/x.o",
      arguments: ["-Wp,-MMD,sub/.x.o.d", "-c", "x.c", "-o", "sub/x.o"]),
    Shape(
      name: "-Wall -c w.c (warning)", arguments: ["-Wall", "-c", "w.c"], match: .exceptDistccLines),
    Shape(name: "-c bad.c (error)", arguments: ["-c", "bad.c"], match: .exceptDistccLines),
    Shape(
      name: "-x c - -o conftest (link)", arguments: ["-x", "c", "-", "-o", "conftest"],
      standardInput: "int main(void) { return 0; }\n"),
  ]

  @Test(arguments: ClientOutputPathTests.Setup.all)
  func everyShapeEndsAsALocalCompileDoes(setup: ClientOutputPathTests.Setup) throws {
    let top = try TestDirectory(prefix: "distcc-shapes-")
    chmod(top.path, 0o755)
    let daemon = try RealDaemon(setup.daemon, logDirectory: top.path)
    defer { daemon.stop() }
    let user = setup.runner == .ordinaryUser ? try TemporaryUser() : nil
    for shape in Self.shapes {
      // Both in the same directory, one after the other: `-g` objects name the working directory.
      let local = try ShapeRun(shape, in: top, user: user, hosts: nil)
      let ours = try ShapeRun(shape, in: top, user: user, hosts: daemon.hostSpec)
      #expect(ours.status == local.status, "\(shape): \(ours.stderr) against gcc's \(local.stderr)")
      #expect(ours.stdout == local.stdout, "\(shape)")
      #expect(ours.files == local.files, "\(shape)")
      #expect(local.nullIsStillADevice && ours.nullIsStillADevice, "\(shape)")
      switch shape.match {
      case .exactly:
        #expect(ours.stderr == local.stderr, "\(shape)")
      case .exceptDistccLines:
        let gccLines = Set(local.stderr.split(separator: "\n").map(ShapeRun.compilerNamesAligned))
        let ourGccLines = ours.stderr.split(separator: "\n").filter { !$0.hasPrefix("distcc[") }
        #expect(!ourGccLines.isEmpty, "\(shape): gcc's own message is shown")
        #expect(
          ourGccLines.allSatisfy { gccLines.contains(ShapeRun.compilerNamesAligned($0)) },
          "\(shape): \(ours.stderr) against gcc's \(local.stderr)")
      }
    }
  }
}

/// One shape run in a fresh `run` directory: locally (`hosts == nil`) or through our client.
struct ShapeRun {
  var status: Int32
  var stdout: String
  var stderr: String
  /// Every file the run left, by relative name: its size and checksum, or `(char device)`.
  var files: [String: String]
  /// Whether `null`, the character device 1,3 made for the run, still is one afterwards.
  var nullIsStillADevice: Bool

  init(
    _ shape: CompileShapeTests.Shape, in top: TestDirectory, user: TemporaryUser?, hosts: String?
  )
    throws
  {
    let path = top.appending("run")
    try TemporaryFiles.removeTree(path)
    try ShapeRun.prepare(top)
    let made = try TestProcess.run(["mknod", "-m", "666", path + "/null", "c", "1", "3"])
    guard made.exitCode == 0 else { throw HarnessError("mknod: \(made)") }
    try user?.own(path)
    let inputs = Set(ShapeRun.walk(top, "run"))
    var environment = [
      "PATH": "/usr/bin:/bin", "HOME": path, "TMPDIR": path + "/distcc-dir",
      "DISTCC_DIR": path + "/distcc-dir",
    ]
    var command = ["/usr/bin/gcc"] + shape.arguments
    if let hosts {
      environment["DISTCC_HOSTS"] = hosts
      command = [ClientHarness.distcc] + command
    }
    let result = try TestProcess.run(
      user?.command(command) ?? command, environment: environment, directory: path,
      input: Array(shape.standardInput.utf8))
    status = result.exitCode
    stdout = result.stdout
    stderr = result.stderr
    files = [:]
    nullIsStillADevice =
      try FileStatus.of(path + "/null", followingLinks: false)?.kind == .characterDevice
    for name in ShapeRun.walk(top, "run") where !inputs.contains(name) {
      let status = try FileStatus.of(top.appending(name), followingLinks: false)
      files[String(name.dropFirst(4))] =
        status?.kind == .characterDevice
        ? "(char device)" : ShapeRun.summary(of: try top.read(name))
    }
  }

  /// Writes the sources every shape may use into `top/run`.
  private static func prepare(_ top: TestDirectory) throws {
    try top.write("run/x.c", CompileShapeTests.source)
    try top.write("run/h.h", "#define N 42\n")
    try top.write("run/src/y.c", "int y(void) { return 1; }\n")
    try top.write("run/w.c", "int w(void) { int unused; return 0; }\n")
    try top.write("run/bad.c", "int f( {\n")
    try top.makeDirectories("run/sub")
    try top.makeDirectories("run/distcc-dir")
  }

  /// Names (relative to `directory`) of every file below `prefix`, `run/distcc-dir` left out.
  private static func walk(_ directory: TestDirectory, _ prefix: String) -> [String] {
    directory.list(prefix).flatMap { name -> [String] in
      let relative = prefix.isEmpty ? name : prefix + "/" + name
      guard relative != "run/distcc-dir" else { return [] }
      let status = try? FileStatus.of(directory.appending(relative), followingLinks: false)
      return status?.kind == .directory ? walk(directory, relative) : [relative]
    }
  }

  /// `N bytes, fnv1a HHHHHHHHHHHHHHHH`: short enough for a failure message, and any changed byte changes it.
  static func summary(of bytes: [UInt8]) -> String {
    let hash = bytes.reduce(0xcbf2_9ce4_8422_2325 as UInt64) {
      ($0 ^ UInt64($1)) &* 0x100_0000_01b3
    }
    return "\(bytes.count) bytes, fnv1a \(String(hash, radix: 16))"
  }

  /// A gcc message with the driver's name as a plain `gcc` (our client, like 3.4's, may run the
  /// target-prefixed `x86_64-linux-gnu-gcc`, which names itself in its messages).
  static func compilerNamesAligned(_ line: Substring) -> String {
    guard let colon = line.firstIndex(of: ":"), line[..<colon].hasSuffix("-gcc") else {
      return String(line)
    }
    return "gcc" + line[colon...]
  }
}
