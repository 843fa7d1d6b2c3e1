import DistProtocol
import Foundation
import Glibc
import Testing

/// Every unsafe option, in its spellings, in protocols 1, 2 and 3 and inside protocol-3 response files,
/// pointed at real client "programs" and sentinel files: each is refused with a complete reply naming the
/// option (but a protocol-3 command line's own `-MF FILE`, which the daemon drops and replaces), nothing
/// runs, nothing outside the job changes.
@Suite(.serialized) struct HardeningPolicyTests {
  /// Unsafe option groups; `W` stands for the world directory (programs, sentinels).
  static let unsafe: [[String]] = [
    ["-wrapper", "W/evil.sh,x"], ["-B", "W/evilbin/"], ["-BW/evilbin/"],
    ["--prefix", "W/evilbin/"],
    ["--prefix=W/evilbin/"], ["-no-integrated-cpp", "-BW/evilbin/"], ["-specs=W/evil.specs"],
    ["-specs", "W/evil.specs"], ["--specs=W/evil.specs"], ["--specs", "W/evil.specs"],
    ["-fplugin=W/evil.so"], ["-fplugin-arg-evil-key=value"], ["-iplugindir=W/"],
    ["-fuse-ld=W/evil.sh"],
    ["-Xclang", "-load", "-Xclang", "W/evil.so"], ["-aux-info", "W/sentinels/a"],
    ["-dumpdir", "W/sentinels/"],
    ["--dumpdir", "W/sentinels/"], ["-dumpbase", "W/sentinels/a"],
    ["-save-temps", "-dumpdir", "W/sentinels/"],
    ["-fdump-tree-original=W/sentinels/a"], ["-fopt-info-all=W/sentinels/a"],
    ["-MF", "W/sentinels/a"],
    ["-MF", "../../../../../../../sentinels/a"], ["-Wp,-MD,W/sentinels/a"],
    ["-Wa,-adhln=W/sentinels/a"],
    ["-Xassembler", "-a=W/sentinels/a"], ["-Wa,--MD,W/sentinels/a"], ["-o", "W/sentinels/a"],
    ["--output=W/sentinels/a"], ["-save-temps"], ["-gsplit-dwarf"], ["-fstack-usage"],
    ["-fprofile-note=W/sentinels/a"], ["-MJ", "W/sentinels/a"], ["--config=W/evil.specs"],
  ]

  func options(_ group: [String], _ world: DaemonWorld) -> [String] {
    group.map {
      $0.replacingOccurrences(of: "W/", with: world.root + "/").replacingOccurrences(
        of: "=W", with: "=" + world.root)
    }
  }

  func expectRefused(_ reply: [UInt8]?, _ version: ProtocolVersion, _ label: String) throws {
    let bytes = try #require(reply, "\(label): no reply")
    let response = try #require(
      try DaemonWorld.decode(bytes, version), "\(label): incomplete reply")
    #expect(response.status.exitCode == 150, "\(label)")
    #expect(response.object.isEmpty, "\(label)")
    let line = String(decoding: response.stderr, as: UTF8.self)
    #expect(line.contains(" refused: "), "\(label): \(line)")
    #expect(line.split(separator: "\n").count == 1, "\(label): \(line)")
  }

  @Test func unsafeOptionsAreRefusedInEveryProtocolAndResponseFile() throws {
    let hw = try HardeningWorld()
    let world = hw.world
    for group in Self.unsafe {
      let extra = options(group, world)
      let label = extra.joined(separator: " ")
      for version in [ProtocolVersion.v1, .v2] {
        try expectRefused(
          try hw.send(try Wire.request(version, ["gcc", "-c", "t.c", "-o", "t.o"] + extra)),
          version, "v\(version.rawValue) \(label)")
      }
      let pumpRequest = try Wire.request(.v3, Wire.pumpArguments + extra, files: Wire.project)
      if group.first == "-MF" {
        // Protocol 3: the client's -MF is dropped (the daemon names its own dependency file, as 3.4
        // appends its own): the job compiles, and the sentinel stays untouched (expectIntact below).
        // Sent without half-closing: a client that hangs up while its job runs has the job killed.
        let bytes = try #require(try world.exchange(pumpRequest), "v3 \(label): no reply")
        let response = try #require(
          try DaemonWorld.decode(bytes, .v3), "v3 \(label): incomplete reply: \(world.log)")
        #expect(response.status.exitCode == 0, "v3 \(label)")
        #expect(!response.object.isEmpty, "v3 \(label)")
      } else {
        try expectRefused(try hw.send(pumpRequest), .v3, "v3 \(label)")
      }
      let rsp = Wire.file("/home/u/proj/args.rsp", extra.joined(separator: " "))
      try expectRefused(
        try hw.send(
          try Wire.request(.v3, Wire.pumpArguments + ["@args.rsp"], files: Wire.project + [rsp])),
        .v3,
        "v3 @args.rsp \(label)")
    }
    // Protocols 1 and 2 carry no response files: one naming a file on the server's disk is refused.
    for version in [ProtocolVersion.v1, .v2] {
      try expectRefused(
        try hw.send(
          try Wire.request(version, ["gcc", "-c", "t.c", "-o", "t.o", "@\(world.root)/args.rsp"])),
        version,
        "v\(version.rawValue) @file")
    }
    try hw.expectIntact("unsafe options")
    hw.report(
      "unsafe options", extra: "; \(Self.unsafe.count) option groups x (v1, v2, v3, v3 @file)")
  }

  /// A policy refusal leaves Debian's 3.4 client compiling locally, also with DISTCC_SKIP_LOCAL_RETRY,
  /// and the user gets the side files; with DISTCC_FALLBACK=0 the client fails and shows our one line.
  @Test(arguments: RefusalFallback.all)
  func policyRefusalMakesDebiansClientCompileLocally(_ row: RefusalFallback) throws {
    let hw = try HardeningWorld()
    let world = hw.world
    let result = try world.distcc(
      ["gcc", "-c", "hello.c", "-o", "hello.o", "-save-temps"], environment: row.environment)
    #expect(result.status == row.status, "\(result.stderr)")
    #expect((world.contents("hello.o") != nil) == row.compilesLocally)
    #expect(
      (world.contents("hello.i") != nil) == row.compilesLocally, "the user keeps -save-temps' files"
    )
    #expect(world.waitForLog { $0.contains("option -save-temps refused") })
    if !row.compilesLocally {
      #expect(
        result.stderr.contains("option -save-temps refused: it writes side files"),
        "\(result.stderr)")
    }
    try hw.expectIntact("fallback", ignoring: ["client-tmp", "distcc-dir", "hello."])
  }
}
