import Foundation
import Glibc
import Testing

/// Defects a new user met on a fresh machine (issue 20): 3.4's no-host warnings, a `DISTCC_DIR` that does not
/// exist yet, and the protocol the verbose job summary names.
@Suite(.serialized, .timeLimit(.minutes(2))) struct ClientNewUserDefectTests {
  /// `distcc[PID] ` stripped, so two clients' lines compare.
  static func withoutPids(_ text: String) -> [String] {
    text.split(separator: "\n").map {
      String($0.replacing(#/^distcc\[\d+\] /#, with: ""))
    }
  }

  /// How the host list is missing: the variable set but empty, a host file of comments only, or nothing at
  /// all (no variable, no `$DISTCC_DIR/hosts`, and `/etc/distcc` hidden behind an empty directory in a
  /// private mount namespace).
  enum NoHosts: String, CaseIterable, Sendable { case emptyVariable, commentsOnlyFile, noListAtAll }

  @Test(arguments: NoHosts.allCases)
  func noHostWarningsAreDistcc34s(_ situation: NoHosts) throws {
    let world = try ClientWorld(hosts: situation == .emptyVariable ? "" : nil)
    if situation == .commentsOnlyFile {
      try world.write("distcc-dir/hosts", "# only a comment\n\n")
    }
    let emptyEtc = world.path + "/empty-etc"
    try FileManager.default.createDirectory(atPath: emptyEtc, withIntermediateDirectories: true)
    func run(_ client: String) throws -> ProcessResult {
      let command = [client, "gcc", "-c", "hello.c", "-o", "hello.o"]
      guard situation == .noListAtAll else {
        return try runProcess(command, environment: world.environment, in: world.path)
      }
      return try runProcess(
        [
          "/usr/bin/unshare", "-m", "/bin/sh", "-c",
          "mount --bind \"$0\" /etc/distcc && exec \"$@\"", emptyEtc,
        ]
          + command, environment: world.environment, in: world.path)
    }
    let ours = try run(ClientHarness.distcc)
    let theirs = try run("/usr/bin/distcc")
    #expect(ours.status == 0, "\(ours.stderr)")
    #expect(theirs.status == 0, "\(theirs.stderr)")
    let expected: String =
      switch situation {
      case .emptyVariable:
        "(dcc_parse_hosts) Warning: $DISTCC_HOSTS contained no hosts; can't distribute work"
      case .commentsOnlyFile:
        "(dcc_parse_hosts) Warning: \(world.distccDir)/hosts contained no hosts; can't distribute work"
      case .noListAtAll: "(dcc_get_hostlist) Warning: no hostlist is set; can't distribute work"
      }
    #expect(Self.withoutPids(theirs.stderr).first == expected, "3.4 said: \(theirs.stderr)")
    #expect(Self.withoutPids(ours.stderr) == Self.withoutPids(theirs.stderr))
    #expect(world.exists("hello.o"))
  }

  @Test func missingDistccDirIsCreatedPrivateAndTheJobDistributed() throws {
    let logs = try ClientTempDirectory()
    let daemon = try RealDaemon(.ours, logDirectory: logs.path)
    defer { daemon.stop() }
    let world = try ClientWorld(hosts: daemon.hostSpec)
    let fresh = world.path + "/cache/not/yet/distcc"
    let result = try world.distcc(
      ["gcc", "-c", "hello.c", "-o", "hello.o"], ["DISTCC_DIR": fresh, "DISTCC_FALLBACK": "0"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.isEmpty, "\(result.stderr)")
    #expect(daemon.compiledJobs(expected: 1) == 1)
    for directory in [fresh, world.path + "/cache/not", world.path + "/cache/not/yet"] {
      var info = stat()
      #expect(lstat(directory, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR, "\(directory)")
      #expect(
        info.st_mode & 0o777 == 0o700, "\(directory) mode \(String(info.st_mode & 0o777, radix: 8))"
      )
    }
    #expect(FileManager.default.fileExists(atPath: fresh + "/lock"))
  }

  /// A `DISTCC_DIR` that is a file, or a link to another user's directory, is refused in one line naming it;
  /// the job compiles locally (nothing written into the other user's directory), or fails under
  /// `DISTCC_FALLBACK=0`.
  @Test(arguments: ["file", "foreign link"])
  func unusableDistccDirIsRefusedNamingIt(_ kind: String) throws {
    let logs = try ClientTempDirectory()
    let daemon = try RealDaemon(.ours, logDirectory: logs.path)
    defer { daemon.stop() }
    let world = try ClientWorld(hosts: daemon.hostSpec)
    let path = world.path + "/distcc-link"
    let foreign = world.path + "/someone-elses"
    if kind == "file" {
      try world.write("distcc-link", "not a directory\n")
    } else {
      try FileManager.default.createDirectory(atPath: foreign, withIntermediateDirectories: true)
      #expect(chown(foreign, 65534, 65534) == 0)
      #expect(symlink(foreign, path) == 0)
    }
    let environment = ["DISTCC_DIR": path]
    let local = try world.distcc(["gcc", "-c", "hello.c", "-o", "hello.o"], environment)
    #expect(local.status == 0, "\(local.stderr)")
    #expect(world.exists("hello.o"))
    let reason =
      kind == "file"
      ? "distcc directory '\(path)' exists and is not a directory"
      : "distcc directory '\(path)' is a symbolic link to a directory owned by uid 65534, not by this user"
    #expect(local.stderr.contains("(dcc_mkdir) ERROR: \(reason)\n"), "\(local.stderr)")
    #expect(daemon.compiledJobs(expected: 0) == 0)
    if kind != "file" {
      #expect((try? FileManager.default.contentsOfDirectory(atPath: foreign)) == [])
    }
    let strict = try world.distcc(
      ["gcc", "-c", "hello.c", "-o", "strict.o"],
      environment.merging(["DISTCC_FALLBACK": "0"]) { $1 })
    #expect(strict.status == 116, "\(strict.stderr)")
    #expect(strict.stderr.contains(reason))
    #expect(!world.exists("strict.o"))
  }

  /// A `,cpp,lzo` host without an include server gets protocol 2, and the summary says so.
  @Test func verboseSummaryNamesTheProtocolTheJobUsed() throws {
    let logs = try ClientTempDirectory()
    let daemon = try RealDaemon(.ours, logDirectory: logs.path)
    defer { daemon.stop() }
    let world = try ClientWorld(hosts: daemon.hostSpec + ",cpp,lzo")
    let result = try world.distcc(
      ["gcc", "-c", "hello.c", "-o", "hello.o"], ["DISTCC_VERBOSE": "1", "DISTCC_FALLBACK": "0"])
    #expect(result.status == 0, "\(result.stderr)")
    let summary = result.stderr.split(separator: "\n").first { $0.contains("(dcc_job_summary)") }
    #expect(
      summary?.contains("compiled on \(daemon.hostSpec),cpp,lzo (protocol 2) in ") == true,
      "\(result.stderr)")
  }
}
