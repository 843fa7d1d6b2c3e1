import DistPosix
import DistTestSupport
import Glibc
import SystemPackage
import Testing

/// Moving a file's bytes without reading them: memory files, `sendfile` to a socket (with its mapped
/// fallback) and read-only mappings.
@Suite struct SendFileTests {
  /// 3 MiB that a loopback socket cannot take in one go, so `sendfile` meets a full buffer (`EAGAIN`).
  static let payload = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ $0 >> 12) }

  private func memoryFile(holding bytes: [UInt8]) throws -> FileDescriptor {
    let file = try MemoryFile.create(name: "test")
    try file.writeAll(bytes, deadline: .never)
    return file
  }

  @Test func memoryFileIsCloseOnExecAndHasNoName() throws {
    let file = try memoryFile(holding: [1, 2, 3])
    defer { file.closeIgnoringErrors() }
    #expect(fcntl(file.rawValue, F_GETFD) & FD_CLOEXEC != 0)
    let target = try SymbolicLink.target(of: "/proc/self/fd/\(file.rawValue)")
    #expect(target.hasPrefix("/memfd:test"), "\(target)")
    #expect(try FileStatus(file).size == 3)
  }

  @Test func sendFileMovesEveryByteThroughAFullSocket() throws {
    let file = try memoryFile(holding: Self.payload)
    defer { file.closeIgnoringErrors() }
    let (left, right) = try Socket.pair()
    defer { right.closeIgnoringErrors() }
    try left.setNonBlocking(true)
    let sender = Thread {
      try? left.sendFile(
        from: file, offset: 5, count: Self.payload.count - 5, deadline: .after(seconds: 20))
      left.closeIgnoringErrors()
    }
    let received = try right.readToEnd(limit: 4 << 20, deadline: .after(seconds: 20))
    sender.join()
    #expect(received.count == Self.payload.count - 5)
    #expect(received == Array(Self.payload[5...]))
    // The file's own offset did not move (a retry on another host sends it again from 0).
    #expect(lseek(file.rawValue, 0, SEEK_CUR) == off_t(Self.payload.count))
  }

  /// `sendfile` refuses an `O_APPEND` destination (`EINVAL`): the bytes are written from a mapping instead.
  @Test func sendFileFallsBackToAMappingWhereTheKernelRefuses() throws {
    let directory = try TestDirectory()
    let file = try memoryFile(holding: Self.payload)
    defer { file.closeIgnoringErrors() }
    let path = directory.appending("appended")
    let out = try FileDescriptor.open(
      FilePath(path), .writeOnly, options: [.create, .append, .closeOnExec],
      permissions: .ownerReadWrite)
    try out.sendFile(from: file, count: 100_000, deadline: .never)
    out.closeIgnoringErrors()
    #expect(try directory.read("appended") == Array(Self.payload[..<100_000]))
  }

  @Test func sendFilePastTheEndOfTheFileIsAnEndOfFile() throws {
    let file = try memoryFile(holding: [1, 2, 3, 4])
    defer { file.closeIgnoringErrors() }
    let (left, right) = try Socket.pair()
    defer {
      left.closeIgnoringErrors()
      right.closeIgnoringErrors()
    }
    #expect(throws: PosixError.endOfFile(operation: "send source")) {
      try left.sendFile(
        from: file, count: 10, deadline: .after(seconds: 4), operation: "send source")
    }
  }

  @Test func mappingReadsTheFileInPlace() throws {
    let file = try memoryFile(holding: Self.payload)
    defer { file.closeIgnoringErrors() }
    let mapping = try MappedFile(file, count: Self.payload.count)
    #expect(mapping.withUnsafeBytes { Array($0) } == Self.payload)
    let empty = try MappedFile(file, count: 0)
    #expect(empty.withUnsafeBytes { $0.count } == 0)
  }

  @Test func mappingAPipeNamesTheOperation() throws {
    let (read, write) = try Pipe.make()
    defer {
      read.closeIgnoringErrors()
      write.closeIgnoringErrors()
    }
    #expect(
      throws: PosixError.system(operation: "mmap source", errno: .operationNotSupportedByDevice)
    ) {
      _ = try MappedFile(read, count: 4096, operation: "mmap source")
    }
  }
}
