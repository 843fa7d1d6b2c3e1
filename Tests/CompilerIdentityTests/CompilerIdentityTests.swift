import DistTestSupport
import Foundation
import Glibc
import Testing

@testable import CompilerIdentity

@Suite struct CompilerIdentityTests {
  /// A stand-in compiler that answers as `version` and logs each question to `calls`.
  func fakeCompiler(in directory: TestDirectory, version: String) throws -> String {
    try directory.write(
      "bin/fakecc",
      """
      #!/bin/sh
      echo "$1" >> \(directory.appending("calls"))
      case "$1" in
        -dumpmachine) echo aarch64-linux-gnu;;
        -dumpfullversion) echo \(version);;
        --version) echo "fakecc (GCC) \(version)";;
        -print-prog-name=*) echo "${1#-print-prog-name=}";;
        *) exit 1;;
      esac

      """, mode: 0o755)
  }

  func calls(_ directory: TestDirectory) -> Int {
    ((try? directory.read("calls")) ?? []).filter { $0 == UInt8(ascii: "\n") }.count
  }

  @Test func textRoundTripsAndRejectsMalformedLines() throws {
    let identity = CompilerIdentity(
      family: "gcc", version: "12.2.0", target: "x86_64-linux-gnu", fingerprint: "0123456789abcdef")
    #expect(identity.description == "gcc 12.2.0 x86_64-linux-gnu")
    #expect(CompilerIdentity(text: identity.text) == identity)
    for bad in [
      "", "gcc 12.2.0 x86_64-linux-gnu", "gcc  12.2.0 x86_64-linux-gnu ff", "gcc 12 x86 ff extra",
      "gcc 12\t x86 ff", "gcc 12 x86 " + String(repeating: "f", count: 129),
    ] {
      #expect(CompilerIdentity(text: bad) == nil, "\(bad.debugDescription)")
    }
  }

  @Test func compatibilityIgnoresTheFingerprintButNotVersionTargetOrFamily() {
    let ours = CompilerIdentity(
      family: "gcc", version: "12.2.0", target: "x86_64-linux-gnu", fingerprint: "1")
    var other = ours
    other.fingerprint = "2"
    #expect(ours.isCompatible(with: other))
    other.version = "13.1.0"
    #expect(!ours.isCompatible(with: other))
    other = ours
    other.target = "aarch64-linux-gnu"
    #expect(!ours.isCompatible(with: other))
    other = ours
    other.family = "clang"
    #expect(!ours.isCompatible(with: other))
  }

  @Test func realGCCIsIdentifiedWithItsCC1() throws {
    let (identity, files) = try #require(CompilerProbe.identify("/usr/bin/gcc"))
    #expect(identity.family == "gcc")
    #expect(identity.version.split(separator: ".").count == 3)
    #expect(identity.target.hasSuffix("linux-gnu"))
    #expect(files.count == 3 && files[1].hasSuffix("/cc1") && files[2].hasSuffix("/cc1plus"))
    #expect(identity.fingerprint.count == 16)
  }

  @Test func cacheProbesOnceAndAgainOnlyWhenTheCompilerChanges() throws {
    let directory = try TestDirectory(prefix: "identity-cache-")
    let compiler = try fakeCompiler(in: directory, version: "99.1.0")
    let cache = IdentityCache(distccDirectory: directory.appending("distcc"))
    _ = mkdir(directory.appending("distcc"), 0o755)
    let first = try #require(cache.identity(of: compiler))
    #expect(first.description == "gcc 99.1.0 aarch64-linux-gnu")
    let probes = calls(directory)
    #expect(probes >= 3)
    #expect(cache.identity(of: compiler) == first)
    #expect(calls(directory) == probes, "a cached identity runs nothing")
    // An upgrade in place (new size, new mtime): probed again, new identity and fingerprint.
    _ = try fakeCompiler(in: directory, version: "99.2.0.1")
    let second = try #require(cache.identity(of: compiler))
    #expect(calls(directory) > probes)
    #expect(second.version == "99.2.0.1" && second.fingerprint != first.fingerprint)
  }

  @Test func recordsOfTheFourQuestionsFormatAreNotRead() throws {
    let directory = try TestDirectory(prefix: "identity-format-")
    let compiler = try fakeCompiler(in: directory, version: "99.1.0")
    let cache = IdentityCache(distccDirectory: directory.path)
    let current = try #require(IdentityCache.probe(compiler)).1
    // A format 2 record (the four questions) whose files are unchanged, under format 2's name.
    let old = current.replacingOccurrences(of: "99.1.0", with: "98.0.0")
    _ = try directory.write(
      "identity/" + IdentityCache.fileName(for: compiler, format: 2), old, mode: 0o644)
    #expect(IdentityCache.parse(old)?.version == "98.0.0", "it would be read under its own name")
    #expect(
      IdentityCache.fileName(for: compiler) != IdentityCache.fileName(for: compiler, format: 2))
    #expect(cache.identity(of: compiler)?.version == "99.1.0")
    #expect(directory.exists("identity/" + IdentityCache.fileName(for: compiler)))
  }

  @Test func aCompilerThatDoesNotAnswerHasNoIdentity() throws {
    let directory = try TestDirectory(prefix: "identity-none-")
    let path = try directory.write(
      "bin/fakecc", "#!/bin/sh\necho \"$1\" >> \(directory.appending("calls"))\nexit 3\n",
      mode: 0o755)
    #expect(CompilerProbe.identify(path) == nil)
    #expect(IdentityCache(distccDirectory: directory.path).identity(of: path) == nil)
    // The daemon's memo asks it once, not on every job, until the driver changes.
    let memo = IdentityMemo()
    let before = calls(directory)
    #expect(memo.identity(of: path) == nil)
    let asked = calls(directory)
    #expect(asked > before)
    #expect(memo.identity(of: path) == nil)
    #expect(calls(directory) == asked)
    #expect(memo.identified.isEmpty)
    // Replaced by one that answers (another size): asked again.
    let replaced = try fakeCompiler(in: directory, version: "99.3.0")
    #expect(replaced == path)
    #expect(memo.identity(of: path)?.version == "99.3.0")
    #expect(memo.identified.map(\.path) == [path])
  }
}

/// The cheap fingerprint: an ELF binary's GNU build ID stands for its bytes; other files are hashed whole.
@Suite struct CompilerFingerprintTests {
  @Test func buildIDIsTheOneReadelfShows() throws {
    for file in ["/usr/bin/gcc", try #require(CompilerProbe.identify("/usr/bin/gcc")?.files[1])] {
      let real = try #require(
        realpath(file, nil).map { path in
          defer { free(path) }
          return String(cString: path)
        })
      let notes = try runChecked(["readelf", "-n", real])
      let shown = try #require(
        notes.split(separator: "\n").first { $0.contains("Build ID:") }?.split(separator: " ").last)
      let id = try #require(ELFBuildID.of(real))
      let hex = id.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
      #expect(hex == shown, "\(real)")
      #expect(CompilerProbe.digest(real) == [UInt8(ascii: "B")] + id)
    }
  }

  @Test func aFileWithoutBuildIDIsHashedWhole() throws {
    let directory = try TestDirectory(prefix: "fingerprint-")
    try directory.write("tool", "#!/bin/sh\necho one\n", mode: 0o755)
    let one = CompilerProbe.digest(directory.appending("tool"))
    #expect(ELFBuildID.of(directory.appending("tool")) == nil)
    #expect(one.first == UInt8(ascii: "H") && one.count == 9)
    try directory.write("tool", "#!/bin/sh\necho two\n", mode: 0o755)
    #expect(CompilerProbe.digest(directory.appending("tool")) != one)
    // A truncated ELF header is no build ID, and nothing is read past the bytes given.
    #expect(
      ELFBuildID.find(in: [0x7f, 0x45, 0x4c, 0x46, 2, 1] + [UInt8](repeating: 0, count: 40)) == nil)
  }

  @Test func mismatchRecordsRoundTrip() throws {
    let directory = try TestDirectory(prefix: "mismatch-")
    let client = CompilerIdentity(
      family: "gcc", version: "12.2.0", target: "x86_64-linux-gnu", fingerprint: "0123456789abcdef")
    var server = client
    server.version = "13.1.0"
    let record = CompilerMismatch(host: "10.0.0.1:3632", client: client, server: server, seen: 0)
    #expect(
      record.line == "client gcc 12.2.0 x86_64-linux-gnu, this host gcc 13.1.0 x86_64-linux-gnu")
    let name = CompilerMismatch.fileName(hostStem: "tcp_10.0.0.1_3632", client: client)
    #expect(name == "mismatch_tcp_10.0.0.1_3632_\(client.key)" && client.key.count == 16)
    #expect(client.key != server.key)
    record.write(to: directory.appending(name))
    try directory.write("mismatch_junk", "not a record\n", mode: 0o644)
    try directory.write("xcap_tcp_10.0.0.1_3632", "3\n", mode: 0o644)
    let read = CompilerMismatch.all(in: directory.path)
    #expect(read.count == 1)
    #expect(read.first?.server == server && read.first?.host == "10.0.0.1:3632")
    #expect(abs((read.first?.seen ?? 0) - Int(time(nil))) < 60)
  }
}
