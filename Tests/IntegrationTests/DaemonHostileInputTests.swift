import DistProtocol
import Foundation
import Glibc
import Testing

/// Hostile requests: the daemon answers or drops each one, never writes outside a job root, and keeps
/// serving real clients.
@Suite(.serialized) struct DaemonHostileInputTests {
  static func header(_ token: String, _ value: UInt32) -> [UInt8] { Wire.header(token, value) }
  static func string(_ token: String, _ text: String) -> [UInt8] { Wire.string(token, text) }
  static func argv(_ arguments: [String]) -> [UInt8] { Wire.argv(arguments) }

  /// Malformed requests, each on its own connection.
  static let garbage: [(String, [UInt8])] = [
    ("junk magic", Array("JUNKJUNKJUNK".utf8)),
    ("bad hex", Array("DIST0000000gARGC00000001".utf8)),
    ("version 9", header("DIST", 9)),
    ("ARGC 0", header("DIST", 1) + argv([]) + string("DOTI", "int x;")),
    ("ARGC huge", header("DIST", 1) + header("ARGC", 0xffff_ffff)),
    ("ARGV length huge", header("DIST", 1) + header("ARGC", 1) + header("ARGV", 0xffff_fff0)),
    ("-o last", header("DIST", 1) + argv(["gcc", "-c", "t.c", "-o"]) + string("DOTI", "int x;")),
    (
      "-MF last",
      header("DIST", 1) + argv(["gcc", "-c", "t.c", "-o", "t.o", "-MF"]) + string("DOTI", "int x;")
    ),
    (
      "argv0 is an option",
      header("DIST", 1) + argv(["-c", "t.c", "-o", "t.o"]) + string("DOTI", "int x;")
    ),
    (
      "two sources",
      header("DIST", 1) + argv(["gcc", "-c", "a.c", "b.c", "-o", "t.o"]) + string("DOTI", "int x;")
    ),
    ("no -c", header("DIST", 1) + argv(["gcc", "t.c", "-o", "t"]) + string("DOTI", "int x;")),
    ("-o -", header("DIST", 1) + argv(["gcc", "-c", "t.c", "-o", "-"]) + string("DOTI", "int x;")),
    (
      "DOTI huge",
      header("DIST", 1) + argv(["gcc", "-c", "t.c", "-o", "t.o"]) + header("DOTI", 0xffff_fff0)
    ),
    (
      "corrupt LZO",
      header("DIST", 2) + argv(["gcc", "-c", "t.c", "-o", "t.o"]) + header("DOTI", 6) + [
        0x00, 0x00, 0xff, 0xff, 0x11, 0x00,
      ]
    ),
    (
      "wrong token",
      header("DIST", 1) + argv(["gcc", "-c", "t.c", "-o", "t.o"]) + string("DOTO", "x")
    ),
    ("random bytes", (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }),
    ("empty", []),
  ]

  @Test func garbageAndTruncatedRequestsLeaveTheDaemonServing() throws {
    let world = try DaemonWorld()
    try world.startDaemon()
    var tried = 0
    for (name, bytes) in DaemonHostileInputTests.garbage {
      let reply = try #require(try world.sendHalfClosed(bytes), "\(name): no close")
      if !reply.isEmpty {
        let response = try #require(try DaemonWorld.decode(reply), "\(name): partial reply")
        #expect(!response.status.isSuccess, "\(name)")
        // A refusal (150) or the compiler's own error (e.g. gcc rejecting a dangling -MF).
        #expect(response.status.exitCode == 150 || response.status.exitCode == 1, "\(name)")
      }
      tried += 1
    }
    // Every proper prefix of a valid protocol-2 request.
    let valid = try DaemonWorld.request(.v2, source: "int main(void) { return 0; }\n")
    for cut in 0..<valid.count {
      #expect(try world.sendHalfClosed(Array(valid.prefix(cut))) == [], "prefix \(cut) got a reply")
      tried += 1
    }
    #expect(tried == DaemonHostileInputTests.garbage.count + valid.count)
    let result = try world.distcc(["gcc", "-c", "hello.c", "-o", "hello.o"], hostOptions: ",lzo")
    #expect(result.status == 0)
    #expect(world.waitForSummaries("COMPILE_OK"))
    #expect(world.log.contains("REJ_BAD_REQ"))
    #expect(world.waitForLog { _ in world.leftovers.isEmpty })
  }

  static func file(_ name: String, _ text: String) -> IncludedFile { Wire.file(name, text) }
  static func link(_ name: String, _ target: String) -> IncludedFile { Wire.link(name, target) }

  static func pumpRequest(cwd: String = "/home/u/proj", files: [IncludedFile], extra: [String] = [])
    throws -> [UInt8]
  {
    let arguments =
      [
        "gcc", "-c", "/home/u/proj/p.c", "-o", "out/p.o", "-I/home/u/proj/inc", "-MD", "-MT",
        "custom",
      ] + extra
    return try Request(
      version: .v3, workingDirectory: Array(cwd.utf8), arguments: arguments.map { Array($0.utf8) },
      files: files
    ).encoded()
  }

  static let projectFiles = Wire.project

  @Test func pumpModeCompilesInAPrivateRoot() throws {
    let world = try DaemonWorld()
    try world.startDaemon()
    let response = try world.reply(
      to: try DaemonHostileInputTests.pumpRequest(files: DaemonHostileInputTests.projectFiles),
      version: .v3)
    #expect(response.status.isSuccess, "\(String(decoding: response.stderr, as: UTF8.self))")
    #expect(response.object.starts(with: [0x7f, 0x45, 0x4c, 0x46]))
    let deps = String(decoding: response.dependencies ?? [], as: UTF8.self)
    #expect(deps.hasPrefix("custom:"), "\(deps)")
    #expect(deps.contains(" /home/u/proj/p.c"))
    #expect(deps.contains("/home/u/proj/inc/greet.h"))
    #expect(!deps.contains(world.tmpdir), "the job root is stripped")
    #expect(world.waitForLog { _ in world.leftovers.isEmpty })
  }

  static let escapes: [(String, [IncludedFile], String)] = [
    ("dot-dot name", [file("/home/u/../../../../escape-a", "x")], "/home/u/proj"),
    ("relative name", [file("escape-b", "x")], "/home/u/proj"),
    ("relative link out", [link("/home/u/proj/l", "../../../../../escape-c")], "/home/u/proj"),
    (
      "dot-dot after a name", [link("/home/u/proj/m", "inc/../../../../../escape-d")],
      "/home/u/proj"
    ),
    (
      "write through a link",
      [link("/home/u/proj/abs", "/tmp"), file("/home/u/proj/abs/escape-e", "x")], "/home/u/proj"
    ),
    ("dot-dot cwd", [], "/home/../../../escape-f"),
    ("relative cwd", [], "escape-g"),
  ]

  @Test(arguments: escapes.map(\.0))
  func pumpModeNeverWritesOutsideTheRoot(name: String) throws {
    let row = try #require(DaemonHostileInputTests.escapes.first { $0.0 == name })
    let world = try DaemonWorld()
    try world.startDaemon()
    let before = Set(try FileManager.default.contentsOfDirectory(atPath: world.root))
    let response = try world.reply(
      to: try DaemonHostileInputTests.pumpRequest(
        cwd: row.2, files: DaemonHostileInputTests.projectFiles + row.1), version: .v3)
    #expect(response.status.exitCode == 150)
    #expect(!response.stderr.isEmpty)
    #expect(Set(try FileManager.default.contentsOfDirectory(atPath: world.root)) == before)
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: "/tmp").allSatisfy {
        !$0.hasPrefix("escape-")
      })
    #expect(world.waitForLog { _ in world.leftovers.isEmpty })
  }
}
