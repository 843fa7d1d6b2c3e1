internal import Glibc

/// `strerror` text for an errno value.
func errorText(_ code: Int32) -> String {
  guard let text = strerror(code) else { return "error \(code)" }
  return String(cString: text)
}

/// Retries `body` while it fails with `EINTR`.
func retryingOnInterrupt<T: FixedWidthInteger>(_ body: () -> T) -> T {
  while true {
    let result = body()
    if result == -1 && errno == EINTR { continue }
    return result
  }
}
