internal import Glibc

/// A detached operating-system thread, for work that blocks in system calls (a daemon's connection).
///
/// Swift concurrency's cooperative pool has as many threads as cores; a blocking `read` there stalls every
/// task. A job that blocks gets a thread of its own.
public enum PosixThread {
  /// Starts `body` on a new detached thread with `stackSize` bytes of stack.
  public static func detach(stackSize: Int = 512 * 1024, _ body: @escaping @Sendable () -> Void)
    throws(PosixError)
  {
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    pthread_attr_setstacksize(&attributes, stackSize)
    let box = Unmanaged.passRetained(Box(body))
    var thread = pthread_t()
    let code = pthread_create(
      &thread, &attributes,
      { raw in
        let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
        box.body()
        return nil
      }, box.toOpaque())
    if code != 0 {
      box.release()
      throw PosixError.system(operation: "pthread_create", errno: .init(rawValue: code))
    }
  }

  private final class Box: Sendable {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
  }
}
