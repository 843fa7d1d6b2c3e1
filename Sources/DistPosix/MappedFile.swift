internal import Glibc
public import SystemPackage

/// The first `count` bytes of a file mapped read-only (`mmap` with `PROT_READ`, `MAP_PRIVATE`, and
/// `MAP_POPULATE`, so that the pages are mapped in one call instead of one fault each): the bytes are read where
/// the page cache holds them, never copied into a buffer. Unmapped when the value goes away.
public struct MappedFile: ~Copyable {
  private let base: UnsafeMutableRawPointer?
  /// The length of the mapping.
  public let count: Int

  /// Maps the first `count` bytes of `fd` (a regular file or a ``MemoryFile``). An empty mapping for 0.
  /// - Throws: `PosixError` naming `operation` (`mmap` failed, e.g. `ENODEV` for a pipe).
  public init(_ fd: FileDescriptor, count: Int, operation: @autoclosure () -> String = "mmap")
    throws(PosixError)
  {
    self.count = max(count, 0)
    guard count > 0 else {
      base = nil
      return
    }
    let address = mmap(nil, count, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd.rawValue, 0)
    guard let address, address != UnsafeMutableRawPointer(bitPattern: -1) else {
      throw PosixError.system(operation: operation(), errno: currentErrno())
    }
    base = address
  }

  deinit {
    if let base { munmap(base, count) }
  }

  /// Calls `body` with the mapped bytes, which are valid only during the call.
  public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R)
    throws(E) -> R
  {
    try body(UnsafeRawBufferPointer(start: base, count: count))
  }
}
