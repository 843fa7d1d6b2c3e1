internal import Glibc
public import SystemPackage

extension FileDescriptor {
  /// Sets the file's access and modification times to now (`futimens`).
  public func touch() throws(PosixError) {
    _ = try syscall("futimens") { futimens(rawValue, nil) }
  }

  /// The later of the file's access and modification times, in seconds since the epoch (`fstat`).
  public func lastUsed() throws(PosixError) -> Int {
    var info = Glibc.stat()
    _ = try syscall("fstat") { Glibc.fstat(rawValue, &info) }
    return max(info.st_atim.tv_sec, info.st_mtim.tv_sec)
  }

  /// Replaces the whole contents of the file with `bytes` (`ftruncate` to 0, then write from offset 0).
  public func replaceContents(with bytes: [UInt8]) throws(PosixError) {
    _ = try syscall("ftruncate") { ftruncate(rawValue, 0) }
    _ = try syscall("lseek") { Glibc.lseek(rawValue, 0, SEEK_SET) }
    try writeAll(bytes, deadline: .never)
  }
}
