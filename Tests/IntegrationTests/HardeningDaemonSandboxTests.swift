import DistPosix
import DistProtocol
import Foundation
import Glibc
import Testing

/// The compiler sandbox as the daemon applies it: a compiler that misbehaves (as a compromised compiler
/// or a plugin would) still cannot write outside its job or run what it finds there, and the limit flags
/// reach the compiler.
@Suite(.serialized) struct HardeningDaemonSandboxTests {
  static var landlock: Bool { Landlock.abiVersion() != nil }

  /// A world whose daemon runs `rogue-cc` (allowed through DISTCC_CMDLIST): it tries to overwrite a
  /// sentinel and to touch a canary outside its job, then compiles with gcc.
  static func rogueWorld(_ options: [String]) throws -> (HardeningWorld, String) {
    var compiler = ""
    let hw = try HardeningWorld(daemonOptions: options) { hw in
      let script = """
        #!/bin/sh
        echo evil > \(hw.world.path("sentinels/a")) || echo "could not write the sentinel" >&2
        touch \(hw.canary) || echo "could not touch the canary" >&2
        exec gcc "$@"
        """
      try hw.world.write("rogue-cc", script, executable: true)
      try hw.world.write("cmdlist", hw.world.path("rogue-cc") + "\n/usr/bin/gcc\n")
      compiler = hw.world.path("rogue-cc")
      return ["DISTCC_CMDLIST": hw.world.path("cmdlist")]
    }
    return (hw, compiler)
  }

  static func request(_ compiler: String) throws -> [UInt8] {
    try Wire.request(.v2, [compiler, "-c", "t.c", "-o", "t.o"])
  }

  @Test(.enabled(if: landlock)) func rogueCompilerIsConfinedToItsJob() throws {
    let (hw, compiler) = try Self.rogueWorld([])
    let response = try hw.world.reply(to: try Self.request(compiler), version: .v2)
    let stderr = String(decoding: response.stderr, as: UTF8.self)
    #expect(response.status.isSuccess, "\(stderr)")
    #expect(response.object.starts(with: [0x7f, 0x45, 0x4c, 0x46]))
    #expect(stderr.contains("could not write the sentinel"), "\(stderr)")
    #expect(stderr.contains("could not touch the canary"), "\(stderr)")
    #expect(hw.world.log.contains("Landlock ABI"))
    try hw.expectIntact("rogue compiler", ignoring: ["cmdlist", "rogue-cc"])
  }

  @Test func withoutTheSandboxTheSameCompilerEscapes() throws {
    // The control: proves the tripwires above can fire.
    let (hw, compiler) = try Self.rogueWorld(["--no-sandbox"])
    let response = try hw.world.reply(to: try Self.request(compiler), version: .v2)
    #expect(response.status.isSuccess)
    #expect(FileManager.default.fileExists(atPath: hw.canary))
    #expect(hw.world.contents("sentinels/a") == Array("evil\n".utf8))
    #expect(hw.world.log.contains("compilers run unconfined (--no-sandbox)"))
  }

  @Test func fileSizeFlagReachesTheCompiler() throws {
    let hw = try HardeningWorld(daemonOptions: ["--limit-fsize", "512"])
    let response = try hw.world.reply(
      to: try Wire.request(.v2, ["gcc", "-g", "-c", "t.c", "-o", "t.o"]), version: .v2)
    #expect(!response.status.isSuccess, "an object over 512 bytes cannot be written")
    #expect(response.object.isEmpty)
    #expect(hw.world.waitForLog { _ in hw.world.leftovers.isEmpty })
  }
}
