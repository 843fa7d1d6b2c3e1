internal import Glibc

/// `strerror` text for an errno value.
func errorText(_ code: Int32) -> String {
  guard let text = strerror(code) else { return "error \(code)" }
  return String(cString: text)
}

/// The current `errno`.
var currentErrno: Int32 { errno }

/// Retries `body` while it fails with `EINTR`.
func retryingOnInterrupt<T: FixedWidthInteger>(_ body: () -> T) -> T {
  while true {
    let result = body()
    if result == -1 && errno == EINTR { continue }
    return result
  }
}

/// A close-on-exec pipe: `(read end, write end)`.
func makePipe() throws(ClientError) -> (read: Int32, write: Int32) {
  var fds: [Int32] = [-1, -1]
  guard pipe(&fds) == 0 else { throw .system(operation: "pipe", path: nil, errno: errno) }
  for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
  return (fds[0], fds[1])
}
