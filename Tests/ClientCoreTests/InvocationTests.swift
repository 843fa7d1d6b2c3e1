import DistTestSupport
import Glibc
import Testing

@testable import ClientCore

@Test(arguments: [
  (["distcc", "gcc", "-c", "x.c"], Invocation.compile(["gcc", "-c", "x.c"])),
  (["/usr/bin/distcc", "-c", "x.c"], .compile(["cc", "-c", "x.c"])),
  (["distcc", "x.c", "-c"], .compile(["cc", "x.c", "-c"])),
  (["distcc", "x.o", "-o", "x"], .compile(["cc", "x.o", "-o", "x"])),
  (["my-distcc-wrapper", "--foo"], .compile(["cc", "--foo"])),
  (["distcc"], .missingOperand),
  (["distcc", "--help"], .help),
  (["distcc", "--version"], .version),
  (["distcc", "--show-hosts"], .showHosts),
  (["distcc", "-j"], .concurrency),
  (["distcc", "--make-symlinks", "/tmp/m"], .makeSymlinks(directory: "/tmp/m")),
  (["distcc", "g++", "--version"], .compile(["g++", "--version"])),
  (["/usr/lib/distcc/gcc", "-c", "x.c"], .compile(["gcc", "-c", "x.c"])),
])
func invocationModeFollowsArgv0(_ arguments: [String], _ expected: Invocation) throws {
  var configuration = try ClientConfiguration(environment: [:])
  #expect(Invocation.decide(arguments, configuration: &configuration) == expected)
  #expect(!configuration.pathWasTrimmed)
}

@Test func masqueradeTrimsPathAfterItsOwnDirectory() throws {
  let directory = try TestDirectory()
  _ = try directory.write("masq/gcc", "#!/bin/sh\n", mode: 0o755)
  let masq = directory.appending("masq")
  var configuration = try ClientConfiguration(environment: ["PATH": "/a:\(masq):/b:/c"])
  #expect(
    Invocation.decide(["gcc", "-c", "x.c"], configuration: &configuration)
      == .compile(["gcc", "-c", "x.c"]))
  #expect(configuration.environment["PATH"] == "/b:/c")
  #expect(configuration.pathWasTrimmed)

  // By path: the textually identical element is found; as the last element nothing is trimmed.
  configuration = try ClientConfiguration(environment: ["PATH": "/a:\(masq)"])
  _ = Invocation.decide([masq + "/gcc", "-c", "x.c"], configuration: &configuration)
  #expect(configuration.environment["PATH"] == "/a:\(masq)")
  #expect(!configuration.pathWasTrimmed)
}

@Test(arguments: [("/a/b/../c", "/a/c"), ("/a/./b", "/a/b"), ("/", "/")])
func absoluteDirectoriesCollapseDotDot(_ input: String, _ expected: String) {
  #expect(Invocation.absoluteDirectory(input) == expected)
}

@Test func relativeDirectoriesArePrefixedWithTheCwd() throws {
  let cwd = String(cString: getcwd(nil, 0))
  #expect(Invocation.absoluteDirectory("./bin") == cwd + "/bin")
}
