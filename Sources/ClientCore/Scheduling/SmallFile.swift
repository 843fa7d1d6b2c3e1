import DistPosix
import SystemPackage

/// Small text files shared by many client processes and threads (`sched/history`, `sched/load_*`), updated
/// in place under an open-file-description lock (`OpenFileLock`): a writer holds the exclusive lock while it
/// reads, changes and rewrites the file, a reader holds the shared lock while it reads, so nobody sees a
/// half-written file and no concurrent update is lost.
///
/// In place rather than a new file renamed over the old one: on ext4 mounted with `discard`, every replaced
/// inode (and every truncation) frees blocks with a synchronous discard, which cost the client about 5% of
/// its CPU per job (measured with `perf` on 200 serial jobs). Rewriting at offset 0 keeps the inode and its
/// block; callers keep their text fixed-width, so the size changes only when an entry is added or dropped,
/// and the file is truncated only when it shrinks.
///
/// Failures are ignored, a lock held too long by someone else included (the update is then skipped, a read
/// goes ahead unlocked): the data is advisory. These files are ours alone (3.4 never opens them), so the
/// OFD locks conflict with nobody's record locks.
enum SmallFile {
  /// The file's text, `nil` if it is missing, unreadable or longer than `limit`.
  static func read(_ path: String, limit: Int = 64 << 10) -> String? {
    guard let fd = try? FileDescriptor.open(path, .readOnly, options: .noFollow) else { return nil }
    defer { fd.closeIgnoringErrors() }
    _ = lock(fd, .shared)
    guard let (bytes, _) = contents(fd, limit: limit) else { return nil }
    return bytes.map { String(decoding: $0, as: UTF8.self) }
  }

  /// Rewrites `path` (created on demand, mode 0666 & ~umask) with what `change` makes of its text, all under
  /// the exclusive lock; `change` sees `""` for a new, unreadable or overlong file.
  static func update(_ path: String, limit: Int = 64 << 10, _ change: (String) -> String) {
    guard
      let fd = try? FileDescriptor.open(
        path, .readWrite, options: [.create, .noFollow],
        permissions: [.ownerReadWrite, .groupReadWrite, .otherReadWrite])
    else { return }
    defer { fd.closeIgnoringErrors() }
    guard lock(fd, .exclusive) else { return }
    guard let (old, size) = contents(fd, limit: limit) else { return }
    let text = change(old.map { String(decoding: $0, as: UTF8.self) } ?? "")
    let bytes = Array(text.utf8)
    guard (try? fd.writeAll(bytes, atOffset: 0)) != nil else { return }
    if bytes.count < size { _ = try? fd.resize(to: Int64(bytes.count)) }
  }

  /// Replaces the text of `path` with `text`, in place.
  static func replace(_ path: String, with text: String) {
    update(path) { _ in text }
  }

  /// Takes the lock, waiting at most `patienceMicroseconds` for it (a holder is normally done within
  /// microseconds; one stopped with ^Z must not stall every other client's job). `false` when another holder
  /// kept it that long. Where the file system has no OFD locks (`ENOLCK` on an NFS mount without a lock
  /// manager, `EINVAL` before Linux 3.15) the file is used unlocked, as the data is advisory.
  private static func lock(_ fd: FileDescriptor, _ kind: OpenFileLock.Kind) -> Bool {
    var waited = 0
    var pause = 100
    while true {
      do {
        if try OpenFileLock.tryLock(fd, kind) { return true }
      } catch {
        return true
      }
      guard waited < patienceMicroseconds else { return false }
      Sleep.microseconds(pause)
      waited += pause
      pause = min(pause * 2, 20_000)
    }
  }

  /// How long `lock` waits for a busy lock.
  static let patienceMicroseconds = 200_000

  /// The bytes of `fd` from offset 0 (`nil` when longer than `limit`) and its size; `nil` if unreadable.
  private static func contents(_ fd: FileDescriptor, limit: Int) -> ([UInt8]?, Int)? {
    guard let size = (try? FileStatus(fd))?.size else { return nil }
    guard size <= limit else { return (nil, size) }
    return (try? FileContents.read(fd, upTo: size)).map { ($0, size) }
  }

  /// Wall-clock seconds.
  static func now() -> Int { WallClock.seconds }

  /// Monotonic milliseconds.
  static func monotonicMilliseconds() -> Int { Int(Deadline.now.nanoseconds / 1_000_000) }
}
