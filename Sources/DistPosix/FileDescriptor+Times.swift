internal import Glibc
public import SystemPackage

extension FileDescriptor {
  /// Sets the file's access and modification times to now (`futimens`).
  public func touch() throws(PosixError) {
    _ = try syscall("futimens") { futimens(rawValue, nil) }
  }
}
