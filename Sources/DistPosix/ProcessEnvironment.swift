internal import CDistPosix
internal import Glibc

/// This process's environment, read once by an executable and handed down as a value.
///
/// Libraries never call `getenv`: a build tool embedding them may run two configurations in one process.
public enum ProcessEnvironment {
  /// Every `KEY=VALUE` of `environ`, as a dictionary (the first of duplicate keys wins, as `getenv` does).
  /// Split at the first `=` on bytes, without Character (grapheme) scanning: the client calls this at
  /// every start.
  public static func current() -> [String: String] {
    var count = 0
    while environ[count] != nil { count += 1 }
    var result: [String: String] = [:]
    result.reserveCapacity(count)
    for index in 0..<count {
      guard let entry = environ[index] else { continue }
      let bytes = UnsafeBufferPointer(
        start: UnsafeRawPointer(entry).assumingMemoryBound(to: UInt8.self), count: strlen(entry))
      guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else { continue }
      let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[..<equals]), as: UTF8.self)
      if result[name] == nil {
        result[name] = String(
          decoding: UnsafeBufferPointer(rebasing: bytes[(equals + 1)...]), as: UTF8.self)
      }
    }
    return result
  }

  /// Sets `PR_SET_NO_NEW_PRIVS`: no program this process starts can gain privileges (setuid bits,
  /// file capabilities).
  public static func forbidNewPrivileges() throws(PosixError) {
    _ = try syscall("prctl PR_SET_NO_NEW_PRIVS") { cdp_set_no_new_privs() }
  }

  /// Makes `malloc` serve blocks of `bytes` or more with their own mappings (`mallopt(M_MMAP_THRESHOLD)`),
  /// so large buffers return to the system when freed instead of staying in an arena: a daemon whose request
  /// bodies come and go keeps its resident memory near its budget.
  public static func setMmapThreshold(_ bytes: Int32) {
    _ = cdp_set_mmap_threshold(bytes)
  }
}
