import DistPosix
import DistTestSupport
import Glibc
import Testing

@testable import ClientCore

/// `$DISTCC_DIR/pragma-free` (Docs/distcc.md "Directives-only preprocessing"), on real files: what is
/// remembered, when, and which cache files are believed. The whole path through a real daemon is in
/// IntegrationTests' `PragmaFreeCacheTests`.
@Suite struct PragmaFreeFilesTests {
  /// A directory with a header written now, and the time 1 s and 5 s after its last change.
  struct World {
    let directory: TestDirectory
    let header: String
    let status: FileStatus
    var settled: Int64 {
      max(status.modificationNanoseconds, status.changeNanoseconds) + 1_000_000_000
    }

    init() throws {
      directory = try TestDirectory(prefix: "pragma-free-")
      header = try directory.write("clean.h", "int clean;\n")
      status = try FileStatus(header)
    }

    var cachePath: String { directory.path + "/pragma-free" }
  }

  /// A clean file is remembered once its last change is a second old, not sooner; the next reader of the
  /// cache knows it, and knows nothing of a file it was not told about.
  @Test func rememberedOnlyOnceSettled() throws {
    let world = try World()
    var fresh = PragmaFreeFiles(distccDirectory: world.directory.path)
    fresh.add(world.status, now: world.settled - 1)
    fresh.save()
    #expect(!world.directory.exists("pragma-free"), "a file changed under a second ago is not kept")

    var first = PragmaFreeFiles(distccDirectory: world.directory.path)
    first.add(world.status, now: world.settled)
    first.save()
    var second = PragmaFreeFiles(distccDirectory: world.directory.path)
    let knowsHeader = second.contains(world.status)
    #expect(knowsHeader && second.hits == 1)
    let other = try FileStatus(try world.directory.write("other.h", "int other;\n"))
    let knowsOther = second.contains(other)
    #expect(!knowsOther)
  }

  /// Every field of the identity and of the last change moves the fingerprint: an edit that keeps the
  /// size and the modification time (but not the status-change time) is a new file.
  @Test func everyFieldChangesTheFingerprint() throws {
    let world = try World()
    let base = PragmaFreeFiles.fingerprint(world.status)
    try world.directory.write("same.h", "int clean;\n")
    let moved = try FileStatus(world.directory.appending("same.h"))
    #expect(moved.inode != world.status.inode)
    #expect(PragmaFreeFiles.fingerprint(moved) != base)
    // Rewrite in place with the same size, then put the modification time back: only ctime moves.
    let before = try FileStatus(world.header)
    // Past the file system clock's tick, so the rewrite gets a later status-change time.
    #expect(Wait.until { WallClock.nanoseconds > before.changeNanoseconds + 50_000_000 })
    let fd = open(world.header, O_WRONLY)
    #expect(fd >= 0)
    _ = "int dirty;\n".withCString { write(fd, $0, 11) }
    let omit = (1 << 30) - 2  // UTIME_OMIT: the access time stays
    var times = [
      timespec(tv_sec: 0, tv_nsec: omit),
      timespec(
        tv_sec: Int(before.modificationNanoseconds / 1_000_000_000),
        tv_nsec: Int(before.modificationNanoseconds % 1_000_000_000)),
    ]
    futimens(fd, &times)
    close(fd)
    let edited = try FileStatus(world.header)
    #expect(edited.size == before.size)
    #expect(edited.modificationNanoseconds == before.modificationNanoseconds)
    #expect(edited.changeNanoseconds > before.changeNanoseconds)
    #expect(PragmaFreeFiles.fingerprint(edited) != base)
  }

  /// Cache files that are not ours or not well formed are ignored (nothing known), and the next save
  /// replaces them with a well-formed file of ours.
  @Test(arguments: [
    "bad magic", "torn", "group-writable", "foreign owner", "symbolic link", "fifo",
  ])
  func untrustedCacheFilesAreIgnored(kind: String) throws {
    let world = try World()
    var good = PragmaFreeFiles(distccDirectory: world.directory.path)
    good.add(world.status, now: world.settled)
    good.save()
    let bytes = try world.directory.read("pragma-free")
    #expect(bytes.count == 16 && bytes.starts(with: PragmaFreeFiles.magic))
    let path = world.cachePath
    switch kind {
    case "bad magic":
      try world.directory.write("pragma-free", bytes: Array("PRGFREE0".utf8) + bytes.dropFirst(8))
    case "torn": try world.directory.write("pragma-free", bytes: Array(bytes.dropLast(3)))
    case "group-writable": #expect(chmod(path, 0o664) == 0)
    case "foreign owner": #expect(chown(path, 4_000_123, 4_000_123) == 0)
    case "symbolic link":
      try world.directory.write("elsewhere", bytes: bytes)
      unlink(path)
      #expect(symlink(world.directory.appending("elsewhere"), path) == 0)
    default:
      unlink(path)
      #expect(mkfifo(path, 0o644) == 0)
    }
    var reader = PragmaFreeFiles(distccDirectory: world.directory.path)
    let believed = reader.contains(world.status)
    #expect(!believed, "\(kind): believed")
    reader.add(world.status, now: world.settled)
    reader.save()
    let replaced = try FileStatus(path, followLinks: false)
    #expect(replaced.kind == .regular)
    #expect(replaced.ownerID == Credentials.effectiveUserID)
    #expect(replaced.permissions.rawValue & 0o022 == 0)
    var again = PragmaFreeFiles(distccDirectory: world.directory.path)
    let replacedKnows = again.contains(world.status)
    #expect(replacedKnows, "\(kind): not replaced by a good file")
  }

  /// Saving merges with what another client wrote meanwhile; a full cache starts over with what the job
  /// saw clean; merged files stay ascending without repeats.
  @Test func savesMergeAndStartOverWhenFull() throws {
    let world = try World()
    let other = try FileStatus(try world.directory.write("other.h", "int other;\n"))
    var first = PragmaFreeFiles(distccDirectory: world.directory.path)
    var second = PragmaFreeFiles(distccDirectory: world.directory.path)
    first.add(world.status, now: world.settled)
    second.add(other, now: world.settled + 1_000_000_000)
    first.save()
    second.save()
    var merged = PragmaFreeFiles(distccDirectory: world.directory.path)
    let knowsBoth = merged.contains(world.status) && merged.contains(other)
    #expect(knowsBoth)
    #expect(PragmaFreeFiles.union([1, 3, 5], [2, 3, 6]) == [1, 2, 3, 5, 6])

    // A full file (every slot but `other`'s taken by fingerprints of nothing, ascending as a writer leaves
    // them, so that a lookup can find or miss): the next save keeps the job's own.
    let fingerprints =
      ((0..<UInt64(PragmaFreeFiles.capacity - 1)).map { $0 &* 0x9e37_79b9_7f4a_7c15 | 1 }
      + [PragmaFreeFiles.fingerprint(other)]).sorted()
    var full = PragmaFreeFiles.magic
    fingerprints.withUnsafeBytes { full.append(contentsOf: $0) }
    try world.directory.write("pragma-free", bytes: full)
    var job = PragmaFreeFiles(distccDirectory: world.directory.path)
    let knownInFull = job.contains(world.status)
    let otherInFull = job.contains(other)
    #expect(!knownInFull)
    #expect(otherInFull)
    job.add(world.status, now: world.settled)
    job.add(other, now: world.settled + 1_000_000_000)
    job.save()
    #expect(try world.directory.read("pragma-free").count == 8 + 2 * 8)
  }
}
