import CompilerIdentity
import DistTestSupport
import Glibc
import Testing

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

  @Test func aCompilerThatDoesNotAnswerHasNoIdentity() throws {
    let directory = try TestDirectory(prefix: "identity-none-")
    let path = try directory.write("bin/silent", "#!/bin/sh\nexit 3\n", mode: 0o755)
    #expect(CompilerProbe.identify(path) == nil)
    #expect(IdentityCache(distccDirectory: directory.path).identity(of: path) == nil)
  }
}
