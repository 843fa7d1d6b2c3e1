import DistPosix
import DistTestSupport
import Glibc
import SystemPackage
import Testing

@Suite struct ChildProcessTests {
  @Test(arguments: [
    ("exit 0", Int32?(0), Int32?.none),
    ("exit 3", 3, nil),
    ("kill -SEGV $$", nil, SIGSEGV),
  ])
  func reportsExitCodesAndSignals(script: String, code: Int32?, signal: Int32?) throws {
    let child = try ChildProcess.spawn(
      SpawnRequest(executable: "/bin/sh", arguments: ["sh", "-c", script]))
    let status = try #require(try child.wait(deadline: .after(seconds: 10)))
    #expect(status.exitCode == code)
    #expect(status.signal == signal)
  }

  @Test func runsInDirectoryWithGivenEnvironmentAndStreams() throws {
    let directory = try TestDirectory()
    let (output, fd) = try TemporaryFiles.makeFile(in: directory.path, prefix: "out")
    defer { output.closeIgnoringErrors() }
    let child = try ChildProcess.spawn(
      SpawnRequest(
        executable: "sh", arguments: [Array("sh".utf8), Array("-c".utf8), Array("pwd; echo $ONLY".utf8)],
        environment: [Array("ONLY=here".utf8), Array("PATH=/usr/bin:/bin".utf8)],
        standardOutput: output, workingDirectory: directory.path, searchPath: true))
    _ = try #require(try child.wait(deadline: .after(seconds: 10)))
    #expect(String(decoding: try directory.read(fd), as: UTF8.self) == "\(directory.path)\nhere\n")
  }

  @Test func missingExecutableIsANamedError() {
    #expect {
      _ = try ChildProcess.spawn(SpawnRequest(executable: "/nonexistent/cc", arguments: ["cc"]))
    } throws: { error in
      (error as? PosixError)?.description == "start /nonexistent/cc: No such file or directory"
    }
  }

  @Test func waitHonoursDeadlineAndGroupKillStopsChild() throws {
    let child = try ChildProcess.spawn(
      SpawnRequest(
        executable: "/bin/sh", arguments: [Array("sh".utf8), Array("-c".utf8), Array("sleep 30".utf8)],
        newProcessGroup: true))
    #expect(try child.wait(deadline: .after(milliseconds: 30)) == nil)
    child.sendToGroup(SIGTERM)
    let status = try #require(try child.wait(deadline: .after(seconds: 10)))
    #expect(status.signal == SIGTERM)
  }

  @Test func childInheritsNoDescriptorsBeyondItsStreams() throws {
    let directory = try TestDirectory()
    let (leak, _) = try TemporaryFiles.makeFile(in: directory.path, prefix: "leak")
    defer { leak.closeIgnoringErrors() }
    try leak.setCloseOnExec(false)  // even a descriptor without close-on-exec stays behind
    let result = try TestProcess.run(["/bin/sh", "-c", "ls /proc/self/fd"])
    let fds = result.stdout.split(separator: "\n").compactMap { Int($0) }.filter { $0 > 2 }
    // Only ls's own directory descriptor remains.
    #expect(fds.count <= 1, "\(result.stdout)")
  }
}
