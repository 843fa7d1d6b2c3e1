internal import CDistPosix
internal import Glibc

/// A counter in a small shared file that processes can sleep on until another process bumps it: a Linux
/// futex on a `MAP_SHARED` mapping of the file's first 8 bytes (word 0: the generation, bumped on every
/// event; word 1: how many processes sleep on it, so that a bump with no sleeper costs no system call).
///
/// A sleeper reads `generation`, checks its condition, then calls `wait(unchangedFrom:)` with what it read:
/// the kernel compares and sleeps atomically, so a bump between the check and the sleep is never lost.
/// The sleeper count is a hint: a sleeper killed in its sleep leaves it too high, which only costs later
/// bumps a futex call. Callers must bound every sleep (a writer of the file can keep sleepers waiting until
/// their timeout) and must not trust the file with anything else.
public final class WakeWord: @unchecked Sendable {
  // @unchecked: the mapping never changes after init; every access to it is an atomic operation or a futex call.
  private let words: UnsafeMutablePointer<UInt32>

  /// Maps `path`, growing it to 8 bytes as needed; with `create`, creates it (mode 0666 & ~umask) if missing.
  /// A symbolic link is refused. The 8 bytes are written, not left as a hole, so touching the mapping never
  /// has to allocate a block (which fails with SIGBUS on a full disk): a full disk is an error here instead.
  public init(path: String, create: Bool = true) throws(PosixError) {
    let flags = O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0)
    let fd = try syscall("open \(path)") { open(path, flags, 0o666) }
    defer { close(fd) }
    var info = stat()
    _ = try syscall("fstat \(path)") { fstat(fd, &info) }
    guard info.st_mode & S_IFMT == S_IFREG else {
      throw PosixError.system(operation: "map \(path)", errno: .invalidArgument)
    }
    if info.st_size < 8 {
      // Zeros only where the file has no bytes yet: a concurrent creator may already have bumped word 0.
      var zeros = [UInt8](repeating: 0, count: 8)
      let have = Int(info.st_size)
      let written = zeros.withUnsafeMutableBytes {
        pwrite(fd, $0.baseAddress! + have, 8 - have, off_t(have))
      }
      guard written == 8 - have else {
        throw PosixError.system(
          operation: "write \(path)", errno: written < 0 ? currentErrno() : .noSpace)
      }
    }
    guard let base = mmap(nil, 8, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), base != MAP_FAILED
    else { throw PosixError.system(operation: "mmap \(path)", errno: currentErrno()) }
    words = base.bindMemory(to: UInt32.self, capacity: 2)
  }

  deinit { munmap(words, 8) }

  /// How many processes sleep on the word now (as far as they registered).
  public var sleepers: UInt32 { cdp_atomic_load_u32(words + 1) }

  /// The current generation.
  public var generation: UInt32 { cdp_atomic_load_u32(words) }

  /// Sleeps until the generation differs from `generation` or `microseconds` have passed (or a signal
  /// arrives). Returns at once if it already differs.
  public func wait(unchangedFrom generation: UInt32, microseconds: Int) {
    _ = cdp_atomic_add_u32(words + 1, 1)
    defer { _ = cdp_atomic_sub_u32(words + 1, 1) }
    _ = cdp_futex_wait(words, generation, Int64(max(0, microseconds)) * 1000)
  }

  /// Bumps the generation and wakes up to `sleepers` processes sleeping on it.
  public func bump(waking sleepers: Int32 = 1) {
    _ = cdp_atomic_add_u32(words, 1)
    if cdp_atomic_load_u32(words + 1) > 0 {
      _ = cdp_futex_wake(words, sleepers)
    }
  }
}
