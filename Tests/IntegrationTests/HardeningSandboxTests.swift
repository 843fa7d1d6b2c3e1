import DistPosix
import DistTestSupport
import Glibc
import SystemPackage
import Testing

/// `ChildProcess.spawnConfined` with real processes: what a confined compiler can and cannot do.
@Suite struct HardeningSandboxTests {
  static var landlock: Bool { Landlock.abiVersion() != nil }

  struct Outcome {
    var status: ProcessStatus
    var stdout: String
    var stderr: String
  }

  /// Runs `script` with /bin/sh, confined, and collects its status and output (through files in a
  /// directory of their own, outside any writable directory).
  func run(
    _ script: String, writable: [String] = [], limits: ResourceLimits = ResourceLimits(),
    landlock: Bool = true, directory: String? = nil
  ) throws -> Outcome {
    let streams = try TestDirectory(prefix: "sandbox-streams-")
    let (out, outPath) = try TemporaryFiles.makeFile(in: streams.path, prefix: "out")
    let (err, errPath) = try TemporaryFiles.makeFile(in: streams.path, prefix: "err")
    defer {
      out.closeIgnoringErrors()
      err.closeIgnoringErrors()
    }
    let child = try ChildProcess.spawnConfined(
      SpawnRequest(
        executable: "/bin/sh", arguments: ["sh", "-c", script].map { Array($0.utf8) },
        standardOutput: out, standardError: err, workingDirectory: directory, newProcessGroup: true),
      limits: limits, landlock: landlock ? Landlock.Rules(writableDirectories: writable) : nil)
    let status = try #require(try child.wait(deadline: .after(seconds: 60)))
    return Outcome(
      status: status, stdout: String(decoding: try streams.read(outPath), as: UTF8.self),
      stderr: String(decoding: try streams.read(errPath), as: UTF8.self))
  }

  @Test(.enabled(if: landlock)) func writesOnlyInsideTheJobDirectory() throws {
    let job = try TestDirectory(prefix: "sandbox-job-")
    let outside = try TestDirectory(prefix: "sandbox-outside-")
    try outside.write("sentinel", "keep me\n")
    let result = try run(
      """
      echo in > \(job.path)/inside && mkdir \(job.path)/sub && echo ok > \(job.path)/sub/f && echo wrote-inside
      echo evil > \(outside.path)/new; echo evil > \(outside.path)/sentinel; true > \(outside.path)/sentinel
      rm -f \(outside.path)/sentinel; mkdir \(outside.path)/d; ln -s /etc/passwd \(outside.path)/link
      mv \(job.path)/inside \(outside.path)/moved
      echo quiet > /dev/null && echo devnull-ok
      """, writable: [job.path])
    #expect(result.stdout == "wrote-inside\ndevnull-ok\n")
    let denied = result.stderr.split(separator: "\n").filter { $0.contains("Permission denied") }
    #expect(denied.count >= 5, "\(result.stderr)")
    #expect(outside.list() == ["sentinel"])
    #expect(String(decoding: try outside.read("sentinel"), as: UTF8.self) == "keep me\n")
    #expect(job.list() == ["inside", "sub"])
  }

  @Test(.enabled(if: landlock)) func parentStaysUnconfined() throws {
    let job = try TestDirectory(prefix: "sandbox-job-")
    let outside = try TestDirectory(prefix: "sandbox-outside-")
    _ = try run("true", writable: [job.path])
    try outside.write("after", "the test process can still write anywhere\n")
    #expect(outside.list() == ["after"])
  }

  @Test(.enabled(if: landlock)) func programsInTheJobDirectoryCannotRun() throws {
    let job = try TestDirectory(prefix: "sandbox-job-")
    try job.write("uploaded", bytes: try FileContents.read("/bin/true"), mode: 0o755)
    try job.write("script.sh", "#!/bin/sh\necho ran > \(job.appending("canary"))\n", mode: 0o755)
    let result = try run(
      "\(job.path)/uploaded; echo rc=$?; \(job.path)/script.sh; echo rc=$?; /bin/true && echo system-ok",
      writable: [job.path])
    #expect(result.stdout == "rc=126\nrc=126\nsystem-ok\n")
    #expect(!job.exists("canary"))
  }

  @Test(.enabled(if: landlock)) func noTCPConnectionsFromTheCompiler() throws {
    let listener = try Socket.listen(
      on: #require(SocketAddress(numericHost: "127.0.0.1", port: 0)), backlog: 4)
    defer { listener.closeIgnoringErrors() }
    let port = try #require(Socket.localAddress(listener)?.port)
    let script =
      "exec python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", \(port)))'"
    let confined = try run(script)
    #expect(confined.status.exitCode == 1)
    #expect(confined.stderr.contains("PermissionError"), "\(confined.stderr)")
    let free = try run(script, landlock: false)
    #expect(free.status.exitCode == 0, "\(free.stderr)")
  }

  @Test func confinedChildInheritsOnlyItsStandardStreams() throws {
    let directory = try TestDirectory(prefix: "sandbox-leak-")
    let (leak, _) = try TemporaryFiles.makeFile(in: directory.path, prefix: "leak")
    defer { leak.closeIgnoringErrors() }
    try leak.setCloseOnExec(false)
    let result = try run("ls /proc/self/fd")
    let fds = result.stdout.split(separator: "\n").compactMap { Int($0) }
    #expect(fds.filter { $0 > 2 }.count == 1, "only ls's own directory descriptor: \(fds)")
    #expect(result.status.exitCode == 0)
  }

  @Test func fileSizeLimitStopsAHugeWrite() throws {
    let job = try TestDirectory(prefix: "sandbox-job-")
    let result = try run(
      "exec head -c 50000000 /dev/zero > \(job.path)/big", writable: [job.path],
      limits: ResourceLimits(fileSize: 1 << 20))
    #expect(result.status.signal == SIGXFSZ)
    var info = stat()
    #expect(stat(job.appending("big"), &info) == 0)
    #expect(info.st_size == 1 << 20)
  }

  @Test func cpuLimitStopsASpinningCompiler() throws {
    let giveUp = Deadline.after(seconds: 20)
    let result = try run("while :; do :; done", limits: ResourceLimits(cpuSeconds: 1))
    #expect(result.status.signal == SIGXCPU || result.status.signal == SIGKILL)
    #expect(!giveUp.hasPassed)
  }

  @Test func addressSpaceLimitFailsAHugeAllocation() throws {
    let result = try run(
      "exec python3 -c 'bytearray(1 << 30)'", limits: ResourceLimits(addressSpace: 256 << 20))
    #expect(result.status.exitCode == 1)
    #expect(result.stderr.contains("MemoryError"))
  }

  @Test(.enabled(if: landlock)) func realCompilerWorksConfinedToItsJob() throws {
    let job = try TestDirectory(prefix: "sandbox-job-")
    let outside = try TestDirectory(prefix: "sandbox-outside-")
    try job.write("x.c", "int answer(void) { return 42; }\n")
    let limits = ResourceLimits(addressSpace: 2 << 30, cpuSeconds: 60, fileSize: 64 << 20)
    let inside = try run(
      "TMPDIR=\(job.path) exec gcc -c x.c -o x.o", writable: [job.path], limits: limits,
      directory: job.path)
    #expect(inside.status.exitCode == 0, "\(inside.stderr)")
    #expect(Array(try job.read("x.o").prefix(4)) == [0x7f, 0x45, 0x4c, 0x46])
    let escaping = try run(
      "TMPDIR=\(job.path) exec gcc -c x.c -o \(outside.path)/x.o", writable: [job.path],
      limits: limits,
      directory: job.path)
    #expect(escaping.status.exitCode != 0)
    #expect(escaping.stderr.contains("Permission denied"))
    #expect(outside.list().isEmpty)
  }

  @Test func startFailuresAreNamedErrors() throws {
    #expect {
      _ = try ChildProcess.spawnConfined(
        SpawnRequest(executable: "/nonexistent/cc", arguments: ["cc"]), limits: ResourceLimits(),
        landlock: nil)
    } throws: { error in
      (error as? PosixError)?.description == "start /nonexistent/cc: No such file or directory"
    }
    #expect {
      _ = try ChildProcess.spawnConfined(
        SpawnRequest(executable: "/bin/true", arguments: ["true"]), limits: ResourceLimits(),
        landlock: Landlock.Rules(writableDirectories: ["/nonexistent/job"]))
    } throws: { error in
      guard Self.landlock else { return true }
      return (error as? PosixError)?.description
        == "landlock /nonexistent/job: No such file or directory"
    }
  }
}
