internal import Glibc
import SystemPackage

/// Whole-file reads and atomic whole-file writes.
public enum FileContents {
  /// Reads the whole file at `path`, refusing files larger than `limit` bytes.
  public static func read(_ path: String, limit: Int = 64 << 20) throws(PosixError) -> [UInt8] {
    let fd = try syscall("open \(path)") { open(path, O_RDONLY | O_CLOEXEC) }
    let descriptor = FileDescriptor(rawValue: fd)
    defer { descriptor.closeIgnoringErrors() }
    return try descriptor.readToEnd(limit: limit, deadline: .never, operation: "read \(path)")
  }

  /// Writes `bytes` to `path` so that readers see the old file or the whole new one, never a part:
  /// a temporary file in the same directory, then `rename`. The temporary file is removed on failure.
  ///
  /// - Parameter mode: the permissions of the new file (before the umask).
  public static func writeAtomically(
    _ bytes: some Collection<UInt8>, to path: String, mode: UInt32 = 0o666
  ) throws(PosixError) {
    let slash = path.lastIndex(of: "/")
    let directory = slash.map { String(path[..<$0]) } ?? "."
    let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
    let (fd, temporary) = try TemporaryFiles.makeFile(
      in: directory.isEmpty ? "/" : directory, prefix: ".\(base).tmp")
    do throws(PosixError) {
      try fd.writeAll(bytes, deadline: .never, operation: "write \(temporary)")
      let mask = umask(0)
      umask(mask)
      _ = try syscall("chmod \(temporary)") { fchmod(fd.rawValue, mode_t(mode) & ~mask) }
      _ = try syscall("close \(temporary)") { close(fd.rawValue) }
      _ = try syscall("rename \(temporary) to \(path)") { rename(temporary, path) }
    } catch {
      fd.closeIgnoringErrors()
      unlink(temporary)
      throw error
    }
  }
}
