import DistProtocol
import DistTestSupport
import Glibc
import Testing

@testable import ClientCore

@Test func objectFilesAreWrittenAtomicallyIntoNewDirectories() throws {
  let directory = try TestDirectory()
  let path = directory.appending("a/b/out.o")
  try ObjectFile.write([1, 2, 3], to: path)
  #expect(try directory.read("a/b/out.o") == [1, 2, 3])
  try ObjectFile.write([], to: path)
  #expect(try directory.read("a/b/out.o") == [])
  let entries = try #require(opendir(directory.appending("a/b")))
  defer { closedir(entries) }
  var names: [String] = []
  while let entry = readdir(entries) {
    names.append(
      withUnsafeBytes(of: entry.pointee.d_name) {
        String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
      })
  }
  #expect(
    names.filter { !$0.hasPrefix(".") || $0.count > 2 }.sorted() == ["out.o"],
    "no temporary file left")
}

@Test func policyRefusalsAreRecognisedOnlyInOurDaemonsShape() {
  let line = Array("distccd[42] (dcc_refuse_job) Warning: -fplugin= passed\n".utf8)
  let refusal = Response(version: .v1, status: .exited(150), stderr: line)
  #expect(PolicyRefusal.reason(in: refusal) == "-fplugin= passed")
  #expect(PolicyRefusal.reason(in: Response(version: .v1, status: .exited(1), stderr: line)) == nil)
  let compilerText = Array("x.c:1: error: (dcc_refuse_job) \n".utf8)
  #expect(
    PolicyRefusal.reason(in: Response(version: .v1, status: .exited(150), stderr: compilerText))
      == nil)
}

@Test func logLinesUse34Format() throws {
  var fds: [Int32] = [0, 0]
  #expect(pipe(&fds) == 0)
  defer { close(fds[0]) }
  let log = ClientLog(descriptor: fds[1], level: .info)
  log.error("compile x.c on h failed")
  log.warning("w", function: "dcc_build_somewhere")
  log.debug("hidden")
  close(fds[1])
  var buffer = [UInt8](repeating: 0, count: 4096)
  let count = read(fds[0], &buffer, buffer.count)
  let text = String(decoding: buffer[..<max(count, 0)], as: UTF8.self)
  let pid = getpid()
  #expect(
    text
      == "distcc[\(pid)] ERROR: compile x.c on h failed\ndistcc[\(pid)] (dcc_build_somewhere) Warning: w\n"
  )
  #expect(ClientLog.format(["gcc", "-DX=a b", "", "-c"]) == "gcc \"-DX=a b\" \"\" -c")
}

@Test(arguments: [
  ("gcc", true), ("g++", true), ("cc", true), ("c++", true), ("clang", true), ("clang++-15", true),
  ("gcc-12", true), ("x86_64-linux-gnu-gcc", true), ("x86_64-linux-gnu-g++-12", true),
  ("x86_64-linux-gnu-gcc-ar", false), ("gcc-ar", false), ("gcc-nm-12", false), ("distcc", false),
  ("my-gcc", false), ("cpp", false),
])
func masqueradeNamesAreCompilerDrivers(_ name: String, _ expected: Bool) {
  #expect(MasqueradeLinks.isCompilerName(name) == expected)
}

@Test func fileContentsReadWholeFilesAndHonourTheLimit() throws {
  let directory = try TestDirectory()
  let big = [UInt8]((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
  let path = try directory.write("big.ii", bytes: big)
  #expect(FileSystem.contents(of: path, limit: Int.max) == big)
  #expect(FileSystem.contents(of: path, limit: 1000) == nil)
  #expect(FileSystem.contents(of: directory.appending("missing")) == nil)
  // Files whose st_size is 0 but which have contents.
  let status = try #require(FileSystem.contents(of: "/proc/self/status", limit: Int.max))
  #expect(String(decoding: status, as: UTF8.self).contains("Pid:"))
}
