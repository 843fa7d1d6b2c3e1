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
}
