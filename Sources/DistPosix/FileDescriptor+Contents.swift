internal import Glibc
public import SystemPackage

extension FileDescriptor {
  /// Replaces the whole contents of the file with `bytes` (`ftruncate` to 0, then write from offset 0).
  public func replaceContents(with bytes: [UInt8]) throws(PosixError) {
    _ = try syscall("ftruncate") { ftruncate(rawValue, 0) }
    _ = try syscall("lseek") { Glibc.lseek(rawValue, 0, SEEK_SET) }
    try writeAll(bytes, deadline: .never)
  }
}
