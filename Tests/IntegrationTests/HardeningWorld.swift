import DistProtocol
import Foundation
import Glibc
import Testing

/// A daemon world for hostile input, with tripwires: sentinel files next to the daemon's TMPDIR that must
/// never change, client "programs" (`evil.sh`, `evilbin/cc1`, `evilbin/as`) that touch a canary file if
/// anything runs them, and a real compile whose object must equal a local one.
final class HardeningWorld: @unchecked Sendable {  // used by one test at a time
  let world: DaemonWorld
  var canary: String { world.path("canary") }
  private var snapshot: [String: [UInt8]] = [:]
  /// Inputs tried, for the family's summary line.
  private(set) var inputs = 0

  init(
    daemonOptions: [String] = ["--jobs", "2"],
    prepare: (HardeningWorld) throws -> [String: String] = { _ in [:] }
  ) throws {
    world = try DaemonWorld()
    try FileManager.default.createDirectory(
      atPath: world.path("sentinels/sub"), withIntermediateDirectories: true)
    try world.write("sentinels/a", "sentinel a\n")
    try world.write("sentinels/sub/b", "sentinel b\n")
    // Writable by anyone (the daemon drops root to its own user): only the daemon's defences, not file
    // permissions, keep them intact.
    for path in ["sentinels", "sentinels/sub"] { chmod(world.path(path), 0o777) }
    for path in ["sentinels/a", "sentinels/sub/b"] { chmod(world.path(path), 0o666) }
    let evil = "#!/bin/sh\ntouch \(world.path("canary"))\nexec \"$@\"\n"
    try world.write("evil.sh", evil, executable: true)
    try FileManager.default.createDirectory(
      atPath: world.path("evilbin"), withIntermediateDirectories: true)
    for tool in ["cc1", "as", "collect2", "cpp"] {
      try world.write("evilbin/\(tool)", evil, executable: true)
    }
    try world.write("evil.specs", "*cc1:\n+ %{!fsyntax-only:%:touch(\(world.path("canary")))}\n")
    try world.write("t.i", HardeningWorld.source)
    try world.write("args.rsp", "-wrapper \(world.root)/evil.sh,x\n")  // a response file on the server's disk
    let environment = try prepare(self)
    try world.startDaemon(daemonOptions, environment: environment)
    snapshot = HardeningWorld.tree(world.root)
  }

  /// A preprocessed source with a line marker, so that the object names `t.c` wherever it is compiled.
  static let source =
    "# 1 \"t.c\"\nint answer(void) { return 42; }\nint twice(int x) { return 2 * x; }\n"

  /// Every file under `root` (path → content), except the daemon's TMPDIR, its log and client scratch.
  static func tree(_ root: String) -> [String: [UInt8]] {
    var result: [String: [UInt8]] = [:]
    guard let walker = FileManager.default.enumerator(atPath: root) else { return result }
    while let name = walker.nextObject() as? String {
      if name == "tmp" || name.hasPrefix("tmp/") || name == "distccd.log" { continue }
      var info = stat()
      guard lstat(root + "/" + name, &info) == 0 else { continue }
      if info.st_mode & S_IFMT == S_IFREG {
        result[name] =
          FileManager.default.contents(atPath: root + "/" + name).map { Array($0) } ?? []
      } else {
        result[name] = Array("<\(info.st_mode & S_IFMT)>".utf8)
      }
    }
    return result
  }

  /// Sends one hostile input on a fresh connection, half-closes, and returns what came back (nil: no
  /// close within the time-out).
  @discardableResult
  func send(_ bytes: [UInt8], timeout: Double = 20) throws -> [UInt8]? {
    inputs += 1
    return try world.sendHalfClosed(bytes, timeout: timeout)
  }

  /// The invariants after hostile input: nothing outside the job roots appeared or changed, no client
  /// program ran, no temp file is left, and the daemon still compiles correctly.
  func expectIntact(
    _ family: String, ignoring clientFiles: [String] = [],
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    #expect(
      world.waitForLog { _ in self.world.leftovers.isEmpty },
      "\(family): temp files left: \(world.leftovers)", sourceLocation: sourceLocation)
    let now = HardeningWorld.tree(world.root)
    let changed = Set(now.keys).symmetricDifference(snapshot.keys).union(
      now.keys.filter { snapshot[$0] != nil && snapshot[$0] != now[$0] }
    ).filter { name in !clientFiles.contains { name.hasPrefix($0) } }
    #expect(
      changed.isEmpty, "\(family): changed outside the job roots: \(changed.sorted())",
      sourceLocation: sourceLocation)
    #expect(
      !FileManager.default.fileExists(atPath: canary), "\(family): a client program ran",
      sourceLocation: sourceLocation)
    let escaped =
      (try? FileManager.default.contentsOfDirectory(atPath: "/tmp"))?.filter {
        $0.hasPrefix("hostile-escape")
      } ?? []
    #expect(
      escaped.isEmpty, "\(family): wrote into /tmp: \(escaped)", sourceLocation: sourceLocation)
    #expect(
      world.daemon?.isRunning == true, "\(family): the daemon died", sourceLocation: sourceLocation)
    try expectRealCompile(family, sourceLocation: sourceLocation)
  }

  /// A real protocol-2 compile must come back with the object a local gcc makes.
  func expectRealCompile(_ family: String, sourceLocation: SourceLocation = #_sourceLocation) throws
  {
    let request = try Request(
      version: .v2, arguments: ["gcc", "-O2", "-c", "t.c", "-o", "t.o"].map { Array($0.utf8) },
      source: Array(HardeningWorld.source.utf8)
    ).encoded()
    let started = Date()
    let response = try world.reply(to: request, version: .v2)
    let local = try world.run("/usr/bin/gcc", ["-O2", "-c", "t.i", "-o", "local.o"])
    defer { try? FileManager.default.removeItem(atPath: world.path("local.o")) }
    #expect(local.status == 0, sourceLocation: sourceLocation)
    #expect(
      response.status.isSuccess, "\(family): \(String(decoding: response.stderr, as: UTF8.self))",
      sourceLocation: sourceLocation)
    #expect(
      response.object == world.contents("local.o"),
      "\(family): object differs from a local compile", sourceLocation: sourceLocation)
    #expect(Date().timeIntervalSince(started) < 10, sourceLocation: sourceLocation)
  }

  /// Counts inputs sent by other means (stalled connections, real clients).
  func count(_ more: Int) { inputs += more }

  /// One summary line per family, for the report (`swift test … | grep HARDENING`).
  func report(_ family: String, extra: String = "") {
    print(
      "HARDENING \(family): \(inputs) hostile inputs, 0 escapes, 0 programs run, 0 crashes, 0 temp files left\(extra)"
    )
  }
}

/// Wire pieces for hand-made (hostile) requests.
enum Wire {
  static func header(_ token: String, _ value: UInt32) -> [UInt8] {
    let hex = String(value, radix: 16)
    return Array((token + String(repeating: "0", count: 8 - hex.count) + hex).utf8)
  }
  static func string(_ token: String, _ bytes: [UInt8]) -> [UInt8] {
    header(token, UInt32(bytes.count)) + bytes
  }
  static func string(_ token: String, _ text: String) -> [UInt8] { string(token, Array(text.utf8)) }
  static func argv(_ arguments: [[UInt8]]) -> [UInt8] {
    header("ARGC", UInt32(arguments.count)) + arguments.flatMap { string("ARGV", $0) }
  }
  static func argv(_ arguments: [String]) -> [UInt8] { argv(arguments.map { Array($0.utf8) }) }

  /// A whole request for `arguments`: protocol 1/2 with a source, protocol 3 with `files` in `cwd`.
  static func request(
    _ version: ProtocolVersion, _ arguments: [String], cwd: String = "/home/u/proj",
    files: [IncludedFile] = []
  ) throws -> [UInt8] {
    if version == .v3 {
      return try Request(
        version: .v3, workingDirectory: Array(cwd.utf8),
        arguments: arguments.map { Array($0.utf8) },
        files: files
      ).encoded()
    }
    return try Request(
      version: version, arguments: arguments.map { Array($0.utf8) },
      source: Array(HardeningWorld.source.utf8)
    ).encoded()
  }

  static func file(_ name: String, _ text: String) -> IncludedFile {
    IncludedFile(name: Array(name.utf8), content: .file(Array(text.utf8)))
  }
  static func link(_ name: String, _ target: String) -> IncludedFile {
    IncludedFile(name: Array(name.utf8), content: .link(Array(target.utf8)))
  }

  /// The files of a small pump-mode project.
  static let project = [
    file("/home/u/proj/p.c", "#include \"greet.h\"\nint f(void) { return G; }\n"),
    file("/home/u/proj/inc/greet.h", "#define G 7\n"),
  ]
  static let pumpArguments = [
    "gcc", "-c", "/home/u/proj/p.c", "-o", "p.o", "-I/home/u/proj/inc", "-MD", "-MT", "p.o",
  ]
}
