import Foundation
import Glibc
import Testing

/// Normal builds are unaffected by the hardening: Examples/calc, built by make through Debian's 3.4
/// client against the hardened daemon with DISTCC_FALLBACK=0 (so a single refusal would fail the build),
/// gives objects byte-identical to a local build, and every compile ran on the daemon.
///
/// The options it uses: -O2 -Wall -Wextra -ffile-prefix-map=DIR=. -MD -MF FILE -c -o (Makefile);
/// the compiler policy's table tests (CompilerPolicyTests) cover CMake, autotools, Meson, Kbuild and
/// clang command lines.
@Suite(.serialized) struct HardeningRealBuildTests {
  @Test(arguments: ["", ",lzo"])
  func multiFileProjectBuildsRemotelyWithNothingRefused(hostOptions: String) throws {
    let hw = try HardeningWorld(daemonOptions: ["--jobs", "4"])
    let world = hw.world
    let calc = world.path("calc")
    try FileManager.default.copyItem(
      atPath: DaemonWorld.packageRoot + "/Examples/calc", toPath: calc)
    let remote = try world.distccMake(
      ["-C", calc, "-j4", "OBJDIR=remote", "CC=/usr/bin/distcc gcc"], hostOptions: hostOptions)
    #expect(remote.status == 0, "\(remote.stderr)")
    let local = try world.run("/usr/bin/make", ["-C", calc, "OBJDIR=local", "CC=gcc"])
    #expect(local.status == 0, "\(local.stderr)")
    let sources = try FileManager.default.contentsOfDirectory(atPath: calc + "/src").filter {
      $0.hasSuffix(".c")
    }
    #expect(sources.count >= 5)
    for source in sources {
      let object = source.replacingOccurrences(of: ".c", with: ".o")
      let remoteObject = FileManager.default.contents(atPath: "\(calc)/remote/\(object)")
      #expect(
        remoteObject != nil
          && remoteObject == FileManager.default.contents(atPath: "\(calc)/local/\(object)"),
        "\(object)")
    }
    #expect(world.waitForSummaries("COMPILE_OK", count: sources.count))
    #expect(!world.log.contains("refused"), "\(world.log)")
    let check = try world.run("\(calc)/remote/calc", ["--test"])
    #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    hw.count(sources.count)
    try hw.expectIntact("real build", ignoring: ["calc", "client-tmp", "distcc-dir"])
  }
}

extension DaemonWorld {
  /// Runs make with Debian's distcc client pointed at this world's daemon; a refusal fails the build.
  func distccMake(_ arguments: [String], hostOptions: String) throws -> Output {
    try run(
      "/usr/bin/make", arguments,
      environment: [
        "DISTCC_HOSTS": "127.0.0.1:\(port)\(hostOptions)", "DISTCC_BACKOFF_PERIOD": "0",
        "DISTCC_FALLBACK": "0",
        "DISTCC_SKIP_LOCAL_RETRY": "1",
      ])
  }
}
