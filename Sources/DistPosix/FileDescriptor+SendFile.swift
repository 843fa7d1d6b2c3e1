internal import CDistPosix
internal import Glibc
public import SystemPackage

extension FileDescriptor {
  /// Writes bytes `offset ..< offset + count` of the file `source` to this descriptor (a socket or a pipe)
  /// with `sendfile`: the kernel moves them from the page cache, none passes through this process, and
  /// `source`'s own file offset does not move.
  ///
  /// Waits no later than `deadline` when this descriptor is non-blocking (as `Socket`'s are). Where the kernel
  /// cannot `sendfile` between the two descriptors (`EINVAL` or `ENOSYS` before the first byte), the range is
  /// mapped (``MappedFile``) and written instead.
  /// - Throws: `PosixError` naming `operation`; `.endOfFile` if `source` ends before `offset + count`.
  public func sendFile(
    from source: FileDescriptor, offset: Int = 0, count: Int, deadline: Deadline,
    operation: @autoclosure () -> String = "sendfile"
  ) throws(PosixError) {
    let end = offset + count
    var position = Int64(offset)
    while position < end {
      let sent = cdp_sendfile(
        rawValue, source.rawValue, &position, UInt(Swift.min(end - Int(position), 1 << 30)))
      if sent > 0 { continue }
      if sent == 0 { throw PosixError.endOfFile(operation: operation()) }
      let code = currentErrno()
      switch code {
      case .interrupted: continue
      case .wouldBlock:
        _ = try Poll.wait(for: .writable, on: self, deadline: deadline, operation: operation())
      case .invalidArgument where position == offset, .noFunction where position == offset:
        try writeMapped(source, from: Int(position), to: end, deadline: deadline, operation())
        return
      default:
        throw PosixError.system(operation: operation(), errno: code)
      }
    }
  }

  /// `sendFile`'s fallback: bytes `start ..< end` of `source` written from a mapping of the file.
  private func writeMapped(
    _ source: FileDescriptor, from start: Int, to end: Int, deadline: Deadline, _ operation: String
  ) throws(PosixError) {
    let mapping = try MappedFile(source, count: end, operation: operation)
    try mapping.withUnsafeBytes { (bytes) throws(PosixError) in
      try writeAll(
        UnsafeRawBufferPointer(rebasing: bytes[start..<end]), deadline: deadline,
        operation: operation)
    }
  }
}
