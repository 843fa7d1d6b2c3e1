import DistTestSupport
import Glibc
import Testing

@testable import ServerCore

/// A job's directory goes away whole, whatever the job left in it.
@Suite struct JobDirectoryTests {
  enum Leftover: CaseIterable {
    case nothing, namedFilesOnly, strayFile, strayTree, symlinkToOutside
  }

  func exists(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0
  }

  @Test(arguments: Leftover.allCases) func removeLeavesNothing(leftover: Leftover) throws {
    let temporary = try TestDirectory(prefix: "job-directory-")
    let outside = try temporary.write("outside", "keep me\n")
    let directory = try JobDirectory(in: temporary.path, keep: false)
    let input = directory.file("input.i")
    _ = directory.file("output.o")  // named, never created (a compiler that failed)
    if leftover != .nothing { try directory.write("input.i", Array("int x;\n".utf8)) }
    switch leftover {
    case .nothing, .namedFilesOnly: break
    case .strayFile: try directory.write("ccXXXX.s", [1, 2, 3])
    case .strayTree:
      #expect(mkdir(directory.file("root"), 0o700) == 0)
      #expect(mkdir("\(directory.path)/root/usr", 0o700) == 0)
      try directory.write("root/usr/a.h", [1])
    case .symlinkToOutside: #expect(symlink(temporary.path, directory.file("escape")) == 0)
    }
    #expect(exists(directory.path))
    #expect(exists(input) == (leftover != .nothing))
    directory.remove()
    #expect(!exists(directory.path))
    #expect(exists(outside), "a symbolic link is removed, never followed")
  }

  @Test func aKeptDirectoryStays() throws {
    let temporary = try TestDirectory(prefix: "job-directory-")
    let directory = try JobDirectory(in: temporary.path, keep: true)
    try directory.write("input.i", [1])
    directory.remove()
    #expect(exists(directory.file("input.i")))
  }
}
