import DistPosix
import DistTestSupport
import Glibc
import SystemPackage
import Testing

@Suite struct FileTests {
  @Test func recordLockIsSeenByAnotherProcessUsingFcntl() throws {
    let directory = try TestDirectory()
    let path = directory.appending("cpu_localhost_0")
    let fd = try FileDescriptor.open(
      FilePath(path), .writeOnly, options: [.create, .closeOnExec], permissions: .ownerReadWrite)
    defer { fd.closeIgnoringErrors() }
    // Python's fcntl.lockf takes the same F_SETLK record lock distcc 3.4 takes.
    let probe = [
      "python3", "-c",
      "import fcntl,sys\nf=open(sys.argv[1],'w')\ntry:\n fcntl.lockf(f,fcntl.LOCK_EX|fcntl.LOCK_NB);print('free')\nexcept OSError:\n print('busy')",
      path,
    ]
    #expect(try RecordLock.tryLock(fd))
    #expect(try TestProcess.run(probe).stdout == "busy\n")
    #expect(try RecordLock.holder(fd) == nil)  // our own lock never conflicts with us
    try RecordLock.unlock(fd)
    #expect(try TestProcess.run(probe).stdout == "free\n")
  }

  @Test func writeAtomicallyReplacesWholeFileAndLeavesNoTemporary() throws {
    let directory = try TestDirectory()
    let path = directory.appending("x.o")
    try FileContents.writeAtomically(Array("old".utf8), to: path)
    try FileContents.writeAtomically(Array("new contents".utf8), to: path, mode: 0o644)
    #expect(try FileContents.read(path) == Array("new contents".utf8))
    #expect(directory.list() == ["x.o"])
  }

  @Test func writeAtomicallyIntoMissingDirectoryFailsNamingIt() throws {
    let directory = try TestDirectory()
    #expect {
      try FileContents.writeAtomically([1], to: directory.appending("missing/x.o"))
    } throws: { error in
      (error as? PosixError)?.description.contains("\(directory.path)/missing") == true
    }
  }

  @Test func removeTreeNeverFollowsLinks() throws {
    let directory = try TestDirectory()
    let outside = try directory.write("outside/keep.txt", "keep")
    try directory.write("job/a/b/c.i", "x")
    symlink(directory.appending("outside"), directory.appending("job/a/link"))
    symlink(outside, directory.appending("job/file-link"))
    try TemporaryFiles.removeTree(directory.appending("job"))
    #expect(!directory.exists("job"))
    #expect(try directory.read("outside/keep.txt") == Array("keep".utf8))
  }

  @Test func temporaryFileHasSuffixAndPrivateMode() throws {
    let directory = try TestDirectory()
    let (fd, path) = try TemporaryFiles.makeFile(in: directory.path, prefix: "distcc_", suffix: ".i")
    defer { fd.closeIgnoringErrors() }
    #expect(path.hasPrefix(directory.appending("distcc_")) && path.hasSuffix(".i"))
    var info = stat()
    #expect(stat(path, &info) == 0)
    #expect(info.st_mode & 0o777 == 0o600)
  }
}
