import DistPosix

/// Starts `body` on a new detached pthread (DistPosix), so blocking syscalls never occupy Swift's
/// cooperative pool. False if no thread could be created.
func startThread(_ body: @escaping @Sendable () -> Void) -> Bool {
  do {
    try PosixThread.detach(body)
    return true
  } catch {
    return false
  }
}
