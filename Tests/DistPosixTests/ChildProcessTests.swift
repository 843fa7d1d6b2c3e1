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
        executable: "sh",
        arguments: [Array("sh".utf8), Array("-c".utf8), Array("pwd; echo $ONLY".utf8)],
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
        executable: "/bin/sh",
        arguments: [Array("sh".utf8), Array("-c".utf8), Array("sleep 30".utf8)],
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

/// `CommandOutput`: a short command's first line; one that hangs is killed at its deadline, not waited for.
@Suite struct CommandOutputTests {
  @Test func firstLineOfAQuickCommand() {
    #expect(CommandOutput.firstLine(["/bin/sh", "-c", "echo one; echo two"]) == "one")
    #expect(CommandOutput.firstLine(["/bin/sh", "-c", "echo one; exit 1"]) == nil)
    #expect(CommandOutput.firstLine(["/bin/sh", "-c", "true"]) == nil)
  }

  @Test func theWholeTranscriptWithStderrInTheOrderWritten() {
    let script = ["/bin/sh", "-c", "echo out; echo err >&2; echo out2"]
    #expect(
      CommandOutput.output(script, streams: .standardOutputAndError)
        == Array("out\nerr\nout2\n".utf8))
    #expect(CommandOutput.output(script, streams: .standardOutput) == Array("out\nout2\n".utf8))
    #expect(
      CommandOutput.output(
        ["/bin/sh", "-c", "echo err >&2; exit 1"], streams: .standardOutputAndError)
        == nil, "a command that fails has no answer")
    #expect(CommandOutput.firstLine(of: Array("\nsecond\n".utf8)) == nil)
  }

  /// A command that reads its input (`cc -### -E -x c -` on a script that ignores `-###`) finds it empty
  /// and ends at once, even while the caller's own standard input is a pipe that stays open; asked to, it
  /// reads the caller's.
  @Test func aCommandReadsAnEmptyInputUnlessAskedOtherwise() throws {
    let (read, write) = try Pipe.make()
    let saved = dup(0)
    try #require(saved >= 0 && dup2(read.rawValue, 0) == 0)
    read.closeIgnoringErrors()
    defer {
      dup2(saved, 0)
      close(saved)
    }
    let started = Deadline.now
    #expect(CommandOutput.output(["cat"], streams: .standardOutput, seconds: 5) == [])
    let elapsed = Deadline.now.nanoseconds - started.nanoseconds
    #expect(elapsed < 3_000_000_000, "\(elapsed) ns")
    // The writing end stays open up to here: the first `cat` could not have seen the end of this pipe.
    _ = try? write.writeAll(Array("typed\n".utf8))
    write.closeIgnoringErrors()
    #expect(
      CommandOutput.output(["cat"], streams: .standardOutput, input: .inherited, seconds: 5)
        == Array("typed\n".utf8))
  }

  @Test func aCommandThatHangsIsKilledAtTheDeadline() throws {
    let directory = try TestDirectory(prefix: "command-output-")
    let pidFile = directory.appending("pid")
    let started = Deadline.now
    // It answers at once but does not exit (its output closed, so reading ends before the deadline).
    #expect(
      CommandOutput.firstLine(
        ["/bin/sh", "-c", "echo $$ > \(pidFile); echo answer; exec sleep 30 >&-"], seconds: 1)
        == nil)
    let elapsed = Deadline.now.nanoseconds - started.nanoseconds
    #expect(elapsed < 5_000_000_000, "\(elapsed) ns")
    let pid = try #require(
      Int32(String(decoding: try directory.read("pid"), as: UTF8.self).filter { $0.isNumber }))
    #expect(kill(pid, 0) == -1 && errno == ESRCH, "the child was killed and reaped")
  }

  /// A command that answers and exits while a process it started still holds the pipe: the answer comes
  /// at once (not at the deadline), and the process it left behind is killed with its group.
  @Test func processesACommandLeavesBehindAreKilled() throws {
    let directory = try TestDirectory(prefix: "command-output-")
    let started = Deadline.now
    #expect(
      CommandOutput.firstLine(
        ["/bin/sh", "-c", "sleep 300 & echo $! > \(directory.appending("bg")); echo answer"],
        seconds: 20) == "answer")
    let elapsed = Deadline.now.nanoseconds - started.nanoseconds
    #expect(elapsed < 10_000_000_000, "\(elapsed) ns")
    #expect(try Self.waitUntilDead(try Self.pid(in: directory, "bg")))
  }

  /// A command that hangs with a child of its own: both are killed at the deadline.
  @Test func aHangingCommandIsKilledWithItsChildren() throws {
    let directory = try TestDirectory(prefix: "command-output-")
    #expect(
      CommandOutput.firstLine(
        ["/bin/sh", "-c", "sleep 300 & echo $! > \(directory.appending("bg")); exec sleep 30"],
        seconds: 1) == nil)
    #expect(try Self.waitUntilDead(try Self.pid(in: directory, "bg")))
  }

  private static func pid(in directory: TestDirectory, _ name: String) throws -> Int32 {
    try #require(
      Int32(String(decoding: try directory.read(name), as: UTF8.self).filter { $0.isNumber }))
  }

  /// Whether `pid` is gone or a zombie (killed; its new parent, pid 1 in a container, may not reap it)
  /// within a few seconds: SIGKILL is delivered asynchronously.
  private static func waitUntilDead(_ pid: Int32) throws -> Bool {
    Wait.until(seconds: 5) {
      guard let fd = try? FileDescriptor.open("/proc/\(pid)/stat", .readOnly) else { return true }
      defer { fd.closeIgnoringErrors() }
      let stat = (try? fd.readSome(upTo: 512, deadline: .now)) ?? []
      // "pid (comm) S ...": the state follows the last ')'.
      guard let close = stat.lastIndex(of: UInt8(ascii: ")")), close + 2 < stat.count else {
        return true
      }
      return stat[close + 2] == UInt8(ascii: "Z")
    }
  }
}
