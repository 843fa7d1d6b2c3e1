internal import Glibc
public import SystemPackage

/// Whole-file reads and atomic whole-file writes.
public enum FileContents {
  /// Reads the whole file at `path`, refusing files larger than `limit` bytes.
  ///
  /// One buffer of the file's size (plus the byte that finds its end) is all it allocates.
  /// - Throws: `PosixError.system` with `EFBIG` for a larger file, or the failed `open` or read.
  public static func read(_ path: String, limit: Int = 64 << 20) throws(PosixError) -> [UInt8] {
    let descriptor = try FileDescriptor.open(path, .readOnly)
    defer { descriptor.closeIgnoringErrors() }
    let bytes = try read(descriptor, upTo: limit < Int.max ? limit + 1 : limit)
    if bytes.count > limit {
      throw PosixError.system(operation: "read \(path)", errno: .fileTooLarge)
    }
    return bytes
  }

  /// Reads an open file from offset 0 to its end or `limit` bytes, whichever comes first, with `pread`: the
  /// descriptor's own offset (shared with whoever wrote through it) neither matters nor moves. A read error
  /// after some bytes ends the read there.
  /// - Throws: `PosixError.system` when not a byte can be read.
  public static func read(_ fd: FileDescriptor, upTo limit: Int) throws(PosixError) -> [UInt8] {
    var info = stat()
    let size = fstat(fd.rawValue, &info) == 0 ? Int(info.st_size) : 0
    // One byte more than the file's size, so that the read that finds its end needs no second buffer;
    // uninitialised, as every byte kept is read into it.
    let capacity = min(max(size, 0) + 1, limit)
    var failure: Errno? = nil
    var atEnd = false
    var result = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
      initialized = 0
      while initialized < capacity {
        let got = pread(
          fd.rawValue, buffer.baseAddress! + initialized, capacity - initialized, off_t(initialized)
        )
        if got < 0 && errno == EINTR { continue }
        if got < 0 && initialized == 0 { failure = currentErrno() }
        if got <= 0 {
          atEnd = true
          return
        }
        initialized += got
      }
    }
    if let failure { throw PosixError.system(operation: "pread", errno: failure) }
    // The file grew, or its size was unknown (0 for `/proc` files): read on, growing the buffer.
    var filled = result.count
    while !atEnd {
      if filled == result.count {
        guard result.count < limit else { break }
        result += [UInt8](repeating: 0, count: min(max(result.count, 4096), limit - result.count))
      }
      let got = result.withUnsafeMutableBytes {
        pread(fd.rawValue, $0.baseAddress! + filled, $0.count - filled, off_t(filled))
      }
      if got < 0 && errno == EINTR { continue }
      if got <= 0 { break }
      filled += got
    }
    result.removeLast(result.count - filled)
    return result
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
