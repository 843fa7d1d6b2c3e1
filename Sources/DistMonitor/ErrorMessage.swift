internal import Glibc

/// `strerror(errno)` as a Swift string.
func errorMessage(_ errno: Int32) -> String {
  guard let text = strerror(errno) else { return "error \(errno)" }
  return String(cString: text)
}
