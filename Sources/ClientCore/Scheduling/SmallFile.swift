internal import Glibc

/// Small text files shared by many client processes: read whole, replaced atomically (write a private
/// temporary file, then `rename`), so a reader sees the old or the new contents, never a mix.
enum SmallFile {
  /// The file's text, `nil` if it cannot be read.
  static func read(_ path: String, limit: Int = 64 << 10) -> String? {
    FileSystem.contents(of: path, limit: limit).map { String(decoding: $0, as: UTF8.self) }
  }

  /// Replaces `path` with `text`; failures are ignored (the data is advisory).
  static func replace(_ path: String, with text: String) {
    let temporary = path + ".\(getpid()).tmp"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
    guard fd >= 0 else { return }
    let bytes = Array(text.utf8)
    let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
    if written == bytes.count, rename(temporary, path) == 0 { return }
    unlink(temporary)
  }

  /// Wall-clock seconds.
  static func now() -> Int {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int(now.tv_sec)
  }

  /// Monotonic milliseconds.
  static func monotonicMilliseconds() -> Int {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int(now.tv_sec) * 1000 + Int(now.tv_nsec) / 1_000_000
  }
}
