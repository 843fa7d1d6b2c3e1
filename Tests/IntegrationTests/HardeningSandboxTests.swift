import CompilerPolicy
import DistPosix
import DistTestSupport
import Glibc
import Testing

/// `distccd-sandbox` as a real process: what a confined compiler can and cannot do.
@Suite struct HardeningSandboxTests {
  static var landlock: Bool { Landlock.abiVersion() != nil }

  /// Runs `script` with /bin/sh under `confinement`.
  func run(_ confinement: Confinement, _ script: String, directory: String? = nil) throws -> CommandResult {
    let command = confinement.command(
      sandbox: Binaries.ours("distccd-sandbox"),
      compiler: ["/bin/sh", "-c", script].map { Array($0.utf8) })
    return try TestProcess.run(command.map { String(decoding: $0, as: UTF8.self) }, directory: directory)
  }

  @Test(.enabled(if: landlock)) func writesOnlyInsideTheJobDirectory() throws {
    let job = try TestDirectory(prefix: "sandbox-job-")
    let outside = try TestDirectory(prefix: "sandbox-outside-")
    try outside.write("sentinel", "keep me\n")
    let result = try run(
      Confinement(writableDirectories: [job.path]),
      """
      echo in > \(job.path)/inside && mkdir \(job.path)/sub && echo ok > \(job.path)/sub/f && echo wrote-inside
      echo evil > \(outside.path)/new; echo evil > \(outside.path)/sentinel; true > \(outside.path)/sentinel
      rm -f \(outside.path)/sentinel; mkdir \(outside.path)/d; ln -s /etc/passwd \(outside.path)/link
      mv \(job.path)/inside \(outside.path)/moved
      echo quiet > /dev/null && echo devnull-ok
      """)
    #expect(result.stdout == "wrote-inside\ndevnull-ok\n")
    let denied = result.stderr.split(separator: "\n").filter { $0.contains("Permission denied") }
    #expect(denied.count >= 5, "\(result.stderr)")
    #expect(outside.list() == ["sentinel"])
    #expect(String(decoding: try outside.read("sentinel"), as: UTF8.self) == "keep me\n")
    #expect(job.list() == ["inside", "sub"])
  }

  @Test(.enabled(if: landlock)) func programsInTheJobDirectoryCannotRun() throws {
    let job = try TestDirectory(prefix: "sandbox-job-")
    try job.write("uploaded", bytes: try FileContents.read("/bin/true"), mode: 0o755)
    let canary = job.appending("canary")
    try job.write("script.sh", "#!/bin/sh\necho ran > \(canary)\n", mode: 0o755)
    let result = try run(
      Confinement(
        writableDirectories: [job.path], executableDirectories: Confinement.systemExecutableDirectories),
      "\(job.path)/uploaded; echo rc=$?; \(job.path)/script.sh; echo rc=$?; /bin/true && echo system-ok")
    #expect(result.stdout == "rc=126\nrc=126\nsystem-ok\n")
    #expect(!job.exists("canary"))
  }

  @Test func fileSizeLimitStopsAHugeWrite() throws {
    let job = try TestDirectory(prefix: "sandbox-job-")
    let result = try run(
      Confinement(writableDirectories: [job.path], fileSize: 1 << 20),
      "exec head -c 50000000 /dev/zero > \(job.path)/big")
    #expect(result.status.signal == SIGXFSZ)
    var info = stat()
    #expect(stat(job.appending("big"), &info) == 0)
    #expect(info.st_size == 1 << 20)
  }

  @Test func cpuLimitStopsASpinningCompiler() throws {
    let giveUp = Deadline.after(seconds: 20)
    let result = try run(Confinement(cpuSeconds: 1), "while :; do :; done")
    #expect(result.status.signal == SIGXCPU || result.status.signal == SIGKILL)
    #expect(!giveUp.hasPassed)
  }

  @Test func addressSpaceLimitFailsAHugeAllocation() throws {
    let result = try run(
      Confinement(addressSpace: 256 << 20),
      "exec python3 -c 'bytearray(1 << 30)'")
    #expect(result.exitCode == 1)
    #expect(result.stderr.contains("MemoryError"))
  }

  @Test(.enabled(if: landlock)) func realCompilerWorksConfinedToItsJob() throws {
    let job = try TestDirectory(prefix: "sandbox-job-")
    let outside = try TestDirectory(prefix: "sandbox-outside-")
    try job.write("x.c", "int answer(void) { return 42; }\n")
    let confinement = Confinement(
      writableDirectories: [job.path], executableDirectories: Confinement.systemExecutableDirectories,
      addressSpace: 2 << 30, cpuSeconds: 60, fileSize: 64 << 20)
    let inside = try run(confinement, "TMPDIR=\(job.path) exec gcc -c x.c -o x.o", directory: job.path)
    #expect(inside.exitCode == 0, "\(inside)")
    #expect(Array(try job.read("x.o").prefix(4)) == [0x7f, 0x45, 0x4c, 0x46])
    let escaping = try run(
      confinement, "TMPDIR=\(job.path) exec gcc -c x.c -o \(outside.path)/x.o", directory: job.path)
    #expect(escaping.exitCode != 0)
    #expect(escaping.stderr.contains("Permission denied"))
    #expect(outside.list().isEmpty)
  }

  @Test func badSandboxCommandLineExits110WithOneLine() throws {
    let result = try TestProcess.run([Binaries.ours("distccd-sandbox"), "--limit-cpu", "soon", "--", "/bin/true"])
    #expect(result.exitCode == 110)
    #expect(result.stderr == "distccd-sandbox: --limit-cpu: \"soon\" is not a number\n")
    let missing = try TestProcess.run([Binaries.ours("distccd-sandbox"), "--", "/nonexistent/cc"])
    #expect(missing.exitCode == 110)
    #expect(missing.stderr == "distccd-sandbox: failed to exec /nonexistent/cc: No such file or directory\n")
  }
}
