import DistPosix
import DistTestSupport
import Glibc
import SystemPackage
import Testing

/// OFD locks belong to the open file description: two descriptors opened separately in one process
/// exclude each other, which is what lets threads (and embedding build tools) serialise on them.
@Suite struct OpenFileLockTests {
  private static func open(_ path: String) throws -> FileDescriptor {
    try FileDescriptor.open(
      FilePath(path), .readWrite, options: [.create, .closeOnExec], permissions: .ownerReadWrite)
  }

  /// Whether a second description may take `second` while the first holds `first`.
  @Test(arguments: [
    (OpenFileLock.Kind.shared, OpenFileLock.Kind.shared, true),
    (.shared, .exclusive, false),
    (.exclusive, .shared, false),
    (.exclusive, .exclusive, false),
  ])
  func descriptionsOfOneProcessConflictAsProcessesWould(
    first: OpenFileLock.Kind, second: OpenFileLock.Kind, compatible: Bool
  ) throws {
    let directory = try TestDirectory()
    let path = directory.appending("history")
    let holder = try Self.open(path)
    defer { holder.closeIgnoringErrors() }
    let other = try Self.open(path)
    defer { other.closeIgnoringErrors() }
    try OpenFileLock.lock(holder, first)
    #expect(try OpenFileLock.isHeldElsewhere(other, second) == !compatible)
    #expect(try OpenFileLock.tryLock(other, second) == compatible)
    #expect(
      try OpenFileLock.isHeldElsewhere(holder, first) == false, "our own lock never conflicts")
    if compatible { try OpenFileLock.unlock(other) }
    try OpenFileLock.unlock(holder)
    #expect(try OpenFileLock.tryLock(other, second))
  }

  @Test func closingTheDescriptorReleasesTheLock() throws {
    let directory = try TestDirectory()
    let path = directory.appending("history")
    let holder = try Self.open(path)
    try OpenFileLock.lock(holder, .exclusive)
    let other = try Self.open(path)
    defer { other.closeIgnoringErrors() }
    #expect(try !OpenFileLock.tryLock(other, .exclusive))
    try holder.close()
    #expect(try OpenFileLock.tryLock(other, .exclusive))
  }

  @Test func aDescriptorOfTheWrongModeIsAnErrorNamingTheCall() throws {
    let directory = try TestDirectory()
    let path = directory.appending("history")
    let readOnly = try FileDescriptor.open(
      FilePath(path), .readOnly, options: [.create, .closeOnExec], permissions: .ownerReadWrite)
    defer { readOnly.closeIgnoringErrors() }
    #expect(throws: PosixError.system(operation: "fcntl F_OFD_SETLKW", errno: .badFileDescriptor)) {
      try OpenFileLock.lock(readOnly, .exclusive)
    }
  }
}
