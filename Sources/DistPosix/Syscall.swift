internal import Glibc
import SystemPackage

/// Runs a raw system call that returns -1 and sets `errno` on failure, retrying on `EINTR`.
///
/// The one place where the C convention turns into a typed error, as swift-system's `valueOrErrno` does.
@inline(__always)
func syscall<T: FixedWidthInteger>(
  _ operation: @autoclosure () -> String, _ body: () -> T
) throws(PosixError) -> T {
  while true {
    let result = body()
    if result != -1 { return result }
    let code = Glibc.errno
    if code == EINTR { continue }
    throw PosixError.system(operation: operation(), errno: Errno(rawValue: code))
  }
}

/// The current `errno` as a typed value.
@inline(__always)
func currentErrno() -> Errno { Errno(rawValue: Glibc.errno) }
