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

  /// A stream shows nothing at its path until committed: the old file stays, no named file appears beside it,
  /// and a stream discarded (or dropped) leaves the directory as it was.
  @Test func aStreamIsInvisibleUntilCommitted() throws {
    let directory = try TestDirectory()
    let path = try directory.write("x.o", "old")
    let stream = try OutputFile.Stream(path: path)
    #expect(directory.unnamedFilesOpen == 1, "an unnamed file is open in the directory")
    try stream.write([1, 2, 3][...])
    try stream.write(Array(repeating: 9, count: 100_000))
    #expect(try directory.read("x.o") == Array("old".utf8))
    #expect(directory.list() == ["x.o"], "the bytes are in an unnamed file")
    #expect(stream.count == 100_003)
    try stream.commit()
    #expect(try directory.read("x.o") == [1, 2, 3] + Array(repeating: 9, count: 100_000))
    #expect(directory.list() == ["x.o"])

    let discarded = try OutputFile.Stream(path: path)
    try discarded.write([7])
    discarded.discard()
    #expect(throws: PosixError.self) { try discarded.commit() }
    do {
      let dropped = try OutputFile.Stream(path: directory.appending("new.o"))
      try dropped.write([7])
    }
    #expect(try directory.read("x.o").count == 100_003, "the committed file is untouched")
    #expect(directory.list() == ["x.o"], "nothing of the discarded or dropped streams")
    #expect(directory.unnamedFilesOpen == 0, "their unnamed files are closed")
  }

  /// A path written in place (a FIFO here) is not opened before the commit: its bytes are held.
  @Test func aStreamToAFifoHoldsItsBytesUntilCommitted() throws {
    let directory = try TestDirectory()
    let fifo = directory.appending("fifo")
    #expect(mkfifo(fifo, 0o600) == 0)
    let stream = try OutputFile.Stream(path: fifo)
    try stream.write([1, 2, 3])
    // A reader opened now would see a writer at once if the stream had opened the FIFO.
    let reader = open(fifo, O_RDONLY | O_NONBLOCK)
    try #require(reader >= 0)
    defer { close(reader) }
    var byte: UInt8 = 0
    #expect(Glibc.read(reader, &byte, 1) == 0, "no writer, no bytes: the FIFO is not open yet")
    try stream.commit()
    var bytes = [UInt8](repeating: 0, count: 8)
    #expect(Glibc.read(reader, &bytes, 8) == 3)
    #expect(Array(bytes.prefix(3)) == [1, 2, 3])
  }
}
