import DistPosix
import DistTestSupport
import Glibc
import Testing

@testable import ServerCore

/// The compiler's stdout and stderr: files in the job directory, bounded by the file-size limit.
@Suite struct CompilerOutputTests {
  /// Runs `script` confined in a fresh job directory (kept or not) and returns the captured streams and
  /// the raw wait status.
  func run(
    _ script: String, keep: Bool, confinement: CompilerConfinement = CompilerConfinement()
  ) throws -> (stdout: [UInt8], stderr: [UInt8], status: UInt32, files: [String]) {
    let temporary = try TestDirectory(prefix: "compiler-output-")
    let directory = try JobDirectory(in: temporary.path, keep: keep)
    defer {
      if keep { try? TemporaryFiles.removeTree(directory.path) }
    }
    let output = CompilerOutput(in: directory)
    defer { output.close() }
    let request = SpawnedProcess.Request(
      executable: "/bin/sh", arguments: ["sh", "-c", script].map { Array($0.utf8) },
      environment: ["PATH=/usr/bin:/bin"], workingDirectory: directory.path,
      standardOutput: output.standardOutput, standardError: output.standardError,
      newProcessGroup: true)
    let process = try confinement.spawn(request, jobDirectory: directory.path).get()
    let status = try #require(process.reap(blocking: true))
    let (stdout, stderr) = (output.stdout, output.stderr)
    directory.remove()
    let files = (try? listing(directory.path)) ?? []
    return (stdout, stderr, status, files)
  }

  func listing(_ path: String) throws -> [String] {
    (try? Directory.entries(path))?.sorted() ?? []
  }

  @Test(arguments: [false, true]) func capturesBothStreamsSeparately(keep: Bool) throws {
    let result = try run("echo out; echo err >&2; echo more >&2", keep: keep)
    #expect(result.status == 0)
    #expect(String(decoding: result.stdout, as: UTF8.self) == "out\n")
    #expect(String(decoding: result.stderr, as: UTF8.self) == "err\nmore\n")
    // Files in the job directory, removed with it unless it is kept (DISTCC_SAVE_TEMPS).
    #expect(result.files == (keep ? ["stderr", "stdout"] : []))
  }

  @Test(arguments: [false, true]) func fileSizeLimitBoundsTheOutput(keep: Bool) throws {
    var confinement = CompilerConfinement()
    confinement.fileSize = 1 << 16
    let result = try run("exec head -c 1000000 /dev/zero", keep: keep, confinement: confinement)
    #expect(
      result.status & 0x7f == UInt32(SIGXFSZ),
      "status \(result.status), \(result.stdout.count) bytes")
    #expect(result.stdout.count == 1 << 16)
  }

  @Test func largeOutputIsReadWhole() throws {
    let result = try run("head -c 300000 /dev/zero | tr '\\0' x >&2", keep: false)
    #expect(result.status == 0)
    #expect(result.stderr.count == 300000 && result.stderr.allSatisfy { $0 == UInt8(ascii: "x") })
  }
}

extension CompilerOutputTests {
  /// A wrapper script may write to `/dev/stderr` by name: under Landlock that works only for a file
  /// beneath the job directory (not for a memfd).
  @Test(arguments: [false, true]) func reopeningDevStderrByName(keep: Bool) throws {
    let result = try run(
      "echo named > /dev/stderr; echo plain >&2; echo out > /dev/stdout", keep: keep)
    #expect(result.status == 0)
    #expect(String(decoding: result.stderr, as: UTF8.self) == "named\nplain\n")
    #expect(String(decoding: result.stdout, as: UTF8.self) == "out\n")
  }
}
