import DistProtocol
import DistTestSupport
import Foundation
import Glibc
import Testing

/// The hostile-input suite of issue 11, against a real daemon on loopback. Every family ends with
/// `expectIntact`: no file outside the job roots appeared or changed (sentinels), no program of the
/// client ran (canary), no temp file is left, and a real compile still returns the object a local gcc
/// makes. Each prints a `HARDENING` summary line with its input count.
@Suite(.serialized) struct HardeningHostileInputTests {
  static let versions: [ProtocolVersion] = [.v1, .v2, .v3]

  @Test func garbage() throws {
    let hw = try HardeningWorld()
    var generator = SeededGenerator(seed: 11)
    for length in [1, 3, 11, 12, 13, 24, 100, 187, 188, 4096, 65536] {
      for _ in 0..<4 {
        try hw.send((0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) })
      }
    }
    let shaped: [[UInt8]] = [
      Array("JUNKJUNKJUNK".utf8), Array("DIST0000000gARGC00000001".utf8), Wire.header("DIST", 4),
      Wire.header("DIST", 0xffff_ffff), Wire.header("DOTI", 1) + [0], Wire.header("ARGC", 1),
      Wire.header("DIST", 1) + Wire.string("DOTO", "x"),
      Wire.header("DIST", 3) + Wire.argv(["gcc"]),
      Wire.header("DIST", 2) + Wire.header("ARGC", 1) + Wire.string("ARGX", "gcc"),
      Wire.header("DIST", 1) + Array(" ARGC00000001".utf8), Array("dist00000001".utf8),
      Wire.header("DIST", 3) + Wire.string("CDIR", "/")
        + Wire.argv(["gcc", "-c", "p.c", "-o", "p.o"])
        + Wire.header("NFIL", 1) + Wire.string("FILE", "x"),
    ]
    for bytes in shaped { try hw.send(bytes) }
    try hw.expectIntact("garbage")
    hw.report("garbage")
  }

  @Test func truncatedAtEveryByte() throws {
    let hw = try HardeningWorld()
    for version in Self.versions {
      let arguments = version == .v3 ? Wire.pumpArguments : ["gcc", "-c", "t.c", "-o", "t.o"]
      let valid = try Wire.request(version, arguments, files: Wire.project)
      for cut in 0..<valid.count {
        let reply = try hw.send(Array(valid.prefix(cut)))
        #expect(
          reply == [], "protocol \(version.rawValue), cut at \(cut): \(reply?.count ?? -1) bytes")
      }
    }
    try hw.expectIntact("truncation")
    hw.report("truncation")
  }

  @Test func hugeDeclaredLengths() throws {
    let hw = try HardeningWorld()
    let args = Wire.argv(["gcc", "-c", "t.c", "-o", "t.o"])
    let pumpStart = Wire.string("CDIR", "/home/u/proj") + Wire.argv(Wire.pumpArguments)
    for value: UInt32 in [0xffff_ffff, 0x8000_0000, 0x7fff_ffff, 0x1000_0001, 0x0100_0001] {
      for version: UInt32 in [1, 2] {
        try hw.send(Wire.header("DIST", version) + Wire.header("ARGC", value))
        try hw.send(
          Wire.header("DIST", version) + Wire.header("ARGC", 1) + Wire.header("ARGV", value))
        try hw.send(Wire.header("DIST", version) + args + Wire.header("DOTI", value) + [1, 2, 3])
      }
      try hw.send(Wire.header("DIST", 3) + Wire.header("CDIR", value))
      try hw.send(Wire.header("DIST", 3) + pumpStart + Wire.header("NFIL", value))
      try hw.send(
        Wire.header("DIST", 3) + pumpStart + Wire.header("NFIL", 1) + Wire.header("NAME", value))
      try hw.send(
        Wire.header("DIST", 3) + pumpStart + Wire.header("NFIL", 1)
          + Wire.string("NAME", "/home/u/proj/p.c")
          + Wire.header("FILE", value))
      try hw.send(
        Wire.header("DIST", 3) + pumpStart + Wire.header("NFIL", 1)
          + Wire.string("NAME", "/home/u/proj/l")
          + Wire.header("LINK", value))
    }
    try hw.expectIntact("huge lengths")
    let peak = try Self.peakMemoryKiB(of: try #require(hw.world.daemonPid))
    #expect(peak < 200_000, "the daemon's peak RSS grew to \(peak) KiB")
    hw.report("huge lengths", extra: "; daemon peak RSS \(peak / 1024) MiB")
  }

  static func peakMemoryKiB(of pid: pid_t) throws -> Int {
    let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
    let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") })
    return Int(line.split(separator: " ").dropFirst().first { Int($0) != nil } ?? "0") ?? 0
  }

  @Test func corruptLZO() throws {
    let hw = try HardeningWorld()
    let good = LZO.compress(Array(HardeningWorld.source.utf8))
    var generator = SeededGenerator(seed: 7)
    var bodies: [[UInt8]] = [
      [0x00, 0x00, 0xff, 0xff, 0x11, 0x00], [0x11, 0x00, 0x00], [0xff], Array(good.dropLast(3)),
      good + [0xde, 0xad], [0x12] + good, Array(repeating: 0, count: 64),
      [
        0x1f, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x20, 0xff, 0xff, 0xff, 0xff, 0x00,
        0x11, 0x00, 0x00,
      ],
    ]
    for _ in 0..<24 {
      var body = good
      body[Int.random(in: 0..<body.count, using: &generator)] = UInt8.random(
        in: 0...255, using: &generator)
      bodies.append(body)
    }
    let args = Wire.argv(["gcc", "-c", "t.c", "-o", "t.o"])
    let pumpStart = Wire.string("CDIR", "/home/u/proj") + Wire.argv(Wire.pumpArguments)
    for body in bodies {
      let v2 = try hw.send(Wire.header("DIST", 2) + args + Wire.string("DOTI", body))
      if let v2, !v2.isEmpty, let response = try? DaemonWorld.decode(v2, .v2) {
        // A corrupted stream that still decodes compiles whatever it decodes to: never a crash.
        _ = response.status
      }
      try hw.send(
        Wire.header("DIST", 3) + pumpStart + Wire.header("NFIL", 1)
          + Wire.string("NAME", "/home/u/proj/p.c")
          + Wire.string("FILE", body))
    }
    try hw.expectIntact("corrupt LZO")
    hw.report("corrupt LZO")
  }

  @Test func malformedArgumentVectors() throws {
    let hw = try HardeningWorld()
    let vectors: [[[UInt8]]] = [
      [],
      ["gcc", "-c", "t.c", "-o"].map { Array($0.utf8) },
      ["gcc", "-c", "t.c", "-o", "t.o", "-MF"].map { Array($0.utf8) },
      ["gcc", "-c", "t.c", "-o", "t.o", "-include"].map { Array($0.utf8) },
      ["-c", "t.c", "-o", "t.o"].map { Array($0.utf8) },
      ["-wrapper", "t.c", "-o", "t.o"].map { Array($0.utf8) },
      [[], Array("-c".utf8)],
      ["gcc", "-c", "t.c", "-o", "t.o"].map { Array($0.utf8) } + [
        Array("-DX".utf8) + [0] + Array("-B/tmp".utf8)
      ],
      [Array("gcc".utf8)] + Array(repeating: Array("-O2".utf8), count: 20_000),
      ["gcc", "-c", "t.c", "-o", "t.o"].map { Array($0.utf8) } + [
        Array(repeating: UInt8(ascii: "D"), count: 100_000)
      ],
    ]
    for vector in vectors {
      for version: UInt32 in [1, 2] {
        let reply = try hw.send(
          Wire.header("DIST", version) + Wire.argv(vector)
            + Wire.string("DOTI", HardeningWorld.source))
        #expect(
          reply == [],
          "\(vector.prefix(6).map { String(decoding: $0, as: UTF8.self) }): a malformed vector closes the connection"
        )
      }
      let reply = try hw.send(
        Wire.header("DIST", 3) + Wire.string("CDIR", "/home/u/proj") + Wire.argv(vector)
          + Wire.header("NFIL", 1)
          + Wire.string("NAME", "/home/u/proj/t.c")
          + Wire.string("FILE", LZO.compress(Array("int x;\n".utf8))))
      #expect(reply == [])
    }
    #expect(hw.world.waitForLog { $0.contains("malformed command line") })
    try hw.expectIntact("malformed argv")
    hw.report("malformed argv")
  }
}
