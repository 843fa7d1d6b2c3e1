import DistTestSupport
import Glibc
import SystemPackage
import Testing

@testable import DistPosix

/// `OutputFile`'s choice between a new file renamed into place and writing in place, per kind of existing
/// path (the behaviour measured with GNU as 2.40; the end-to-end runs are `ClientOutputPathTests`).
@Suite struct OutputFileTests {
  @Test func regularAndMissingPathsGetANewFile() throws {
    let directory = try TestDirectory()
    let existing = try directory.write("x.o", "old")
    #expect(try OutputFile.destination(of: existing) == .newFile(existing))
    #expect(
      try OutputFile.destination(of: directory.appending("new.o"))
        == .newFile(directory.appending("new.o")))
    try OutputFile.write([1, 2], to: existing)
    #expect(try directory.read("x.o") == [1, 2])
    #expect(directory.list() == ["x.o"], "no temporary file left")
  }

  @Test func devicesAndFifosAreWrittenInPlace() throws {
    let directory = try TestDirectory()
    let fifo = directory.appending("fifo")
    #expect(mkfifo(fifo, 0o600) == 0)
    #expect(try OutputFile.destination(of: fifo) == .inPlace(fifo))
    let link = directory.appending("to-fifo")
    symlink("fifo", link)
    #expect(try OutputFile.destination(of: link) == .inPlace(link))
  }

  @Test func symbolicLinksFollowGNUAsRule() throws {
    let directory = try TestDirectory()
    try directory.write("full", "old")
    try directory.write("empty", "")
    symlink("full", directory.appending("to-full"))
    symlink("empty", directory.appending("to-empty"))
    symlink("to-nowhere", directory.appending("chain"))
    symlink("sub/missing.o", directory.appending("to-nowhere"))
    #expect(
      try OutputFile.destination(of: directory.appending("to-full"))
        == .newFile(directory.appending("to-full")), "the link itself is replaced")
    #expect(
      try OutputFile.destination(of: directory.appending("to-empty"))
        == .newFile(directory.appending("empty")), "written through to the empty file")
    #expect(
      try OutputFile.destination(of: directory.appending("chain"))
        == .newFile(directory.appending("sub/missing.o")), "the last name of a dangling chain")
  }

  @Test func linkLoopAndDirectoryFailNamingThePath() throws {
    let directory = try TestDirectory()
    symlink("b", directory.appending("a"))
    symlink("a", directory.appending("b"))
    try directory.makeDirectories("dir.o")
    for (name, errno) in [("a", Errno.tooManySymbolicLinkLevels), ("dir.o", .isDirectory)] {
      let path = directory.appending(name)
      #expect(throws: PosixError.system(operation: "write \(path)", errno: errno)) {
        try OutputFile.write([1], to: path)
      }
    }
    #expect(directory.list("dir.o") == [])
  }
}
