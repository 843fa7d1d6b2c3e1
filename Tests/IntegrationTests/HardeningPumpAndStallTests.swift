import DistProtocol
import Foundation
import Glibc
import Testing

/// Protocol-3 paths that try to leave the job root, and senders that stall or trickle.
@Suite(.serialized) struct HardeningPumpAndStallTests {
  @Test func pumpPathsStayInsideTheJobRoot() throws {
    let hw = try HardeningWorld()
    let world = hw.world
    let sentinels = world.path("sentinels")
    let project = Wire.project
    var requests: [(String, [IncludedFile], String)] = []
    for depth in 1...10 {
      let up = String(repeating: "/..", count: depth)
      requests.append(
        (
          "NAME ..×\(depth)", [Wire.file("/home/u/proj\(up)/hostile-escape-\(depth)", "x")],
          "/home/u/proj"
        ))
      requests.append(
        (
          "NAME ..×\(depth) into sentinels", [Wire.file("/home/u/proj\(up)/sentinels/a", "evil")],
          "/home/u/proj"
        ))
      requests.append(("CDIR ..×\(depth)", [], "/home/u/proj\(up)/hostile-escape-cwd-\(depth)"))
      requests.append(
        (
          "relative LINK ..×\(depth)",
          [
            Wire.link(
              "/home/u/proj/l\(depth)", String(repeating: "../", count: depth) + "sentinels")
          ],
          "/home/u/proj"
        ))
      requests.append(
        (
          "write through relative LINK ..×\(depth)",
          [
            Wire.link("/home/u/proj/w", String(repeating: "../", count: depth) + "sentinels"),
            Wire.file("/home/u/proj/w/a", "evil"),
          ], "/home/u/proj"
        ))
    }
    requests += [
      ("relative NAME", [Wire.file("hostile-escape-relative", "x")], "/home/u/proj"),
      ("relative CDIR", [], "hostile-escape-relative-cwd"),
      (
        "absolute LINK to sentinels, file through it",
        [Wire.link("/home/u/proj/abs", sentinels), Wire.file("/home/u/proj/abs/a", "evil")],
        "/home/u/proj"
      ),
      (
        "absolute LINK to a sentinel file, file at the link",
        [Wire.link("/home/u/proj/s", sentinels + "/a"), Wire.file("/home/u/proj/s", "evil")],
        "/home/u/proj"
      ),
      (
        "LINK to /, file through it",
        [
          Wire.link("/home/u/proj/root", "/"), Wire.file("/home/u/proj/root\(sentinels)/a", "evil"),
        ], "/home/u/proj"
      ),
      (
        "dangling LINK out, then a file",
        [
          Wire.link("/home/u/proj/d", "../../../../../../../../tmp/hostile-escape-dangling"),
          Wire.file("/home/u/proj/d", "evil"),
        ], "/home/u/proj"
      ),
      (
        "LINK replacing a directory",
        [
          Wire.link("/home/u/proj/inc", "../../../../../../sentinels/sub"),
          Wire.file("/home/u/proj/inc/b", "evil"),
        ], "/home/u/proj"
      ),
      (
        "same name twice",
        [Wire.file("/home/u/proj/p.c", "int a;"), Wire.file("/home/u/proj/p.c", "int b;")],
        "/home/u/proj"
      ),
      ("empty NAME", [Wire.file("", "x")], "/home/u/proj"),
      (
        "NAME with NUL",
        [
          IncludedFile(
            name: Array("/home/u/proj/x".utf8) + [0] + Array("/../../etc".utf8), content: .file([1])
          )
        ], "/home/u/proj"
      ),
    ]
    for (label, files, cwd) in requests {
      let reply = try hw.send(
        try Wire.request(.v3, Wire.pumpArguments, cwd: cwd, files: project + files))
      if let reply, !reply.isEmpty {
        #expect(try DaemonWorld.decode(reply, .v3) != nil, "\(label): partial reply")
      }
    }
    // An uploaded program named by -B (refused) and by a relative LINK to a server binary.
    try hw.send(
      try Wire.request(
        .v3, Wire.pumpArguments + ["-B/home/u/proj/bin/"],
        files: project + [
          Wire.file("/home/u/proj/bin/cc1", "#!/bin/sh\ntouch \(hw.canary)\n"),
          Wire.link("/home/u/proj/bin/as", "../../../../../../../bin/sh"),
        ]))
    try hw.expectIntact("protocol 3 paths")
    hw.report("protocol 3 paths")
  }

  /// More stalled and trickling senders than `--jobs` while a real client compiles.
  @Test func stalledAndTricklingSendersDoNotStarveARealCompile() throws {
    let hw = try HardeningWorld(daemonOptions: ["--jobs", "2"])
    let world = hw.world
    let valid = try Wire.request(.v2, ["gcc", "-c", "t.c", "-o", "t.o"])
    var stalled: [RawSocket] = []
    // Mid-header, mid-arguments, mid-DOTI: twice each, three times the job slots.
    for cut in [7, 30, valid.count - 5, 11, 40, valid.count - 1] {
      let socket = try RawSocket()
      try socket.connect(host: "127.0.0.1", port: world.port)
      try socket.send(Array(valid.prefix(cut)))
      stalled.append(socket)
    }
    // Two tricklers: one byte every 100 ms, on threads of their own, for as long as the compile takes.
    let stop = Atomic()
    var tricklers: [Thread] = []
    for _ in 0..<2 {
      let socket = try RawSocket()
      try socket.connect(host: "127.0.0.1", port: world.port)
      stalled.append(socket)
      let fd = socket.fd
      let thread = Thread {
        var index = 0
        while !stop.isSet && index < valid.count {
          var byte = valid[index]
          _ = Glibc.send(fd, &byte, 1, Int32(MSG_NOSIGNAL))
          index += 1
          usleep(100_000)
        }
      }
      thread.start()
      tricklers.append(thread)
    }
    let started = Date()
    let result = try world.distcc(["gcc", "-c", "hello.c", "-o", "hello.o"], hostOptions: ",lzo")
    let seconds = Date().timeIntervalSince(started)
    stop.set()
    #expect(result.status == 0, "\(result.stderr)")
    #expect(world.waitForSummaries("COMPILE_OK"), "the compile ran on the daemon, not locally")
    #expect(seconds < 5, "a real compile took \(seconds) s beside \(stalled.count) stalled senders")
    hw.count(stalled.count)
    for socket in stalled { socket.shutdownWrite() }
    stalled.removeAll()
    hw.report(
      "stalled senders",
      extra: String(
        format: "; %d stalled/trickling connections, --jobs 2, real compile %.2f s", 8, seconds))
    try hw.expectIntact("stalled senders", ignoring: ["client-tmp", "distcc-dir", "hello.o"])
  }
}

/// A flag one thread sets and others read.
final class Atomic: @unchecked Sendable {  // guarded by `lock`
  private let lock = NSLock()
  private var value = false
  var isSet: Bool { lock.withLock { value } }
  func set() { lock.withLock { value = true } }
}
