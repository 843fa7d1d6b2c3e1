internal import Glibc

/// The machine's processors, memory and page size, as `sysconf` reports them, and free disk space.
public enum SystemResources {
  /// Processors online now; at least 1.
  /// This host's name (`gethostname`), as the UTS namespace has it.
  public static var hostName: String {
    var name = [CChar](repeating: 0, count: 256)
    guard gethostname(&name, name.count - 1) == 0 else { return "localhost" }
    return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  public static var onlineProcessors: Int { max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

  /// Physical memory in bytes (`_SC_PHYS_PAGES` × page size); 0 if unknown.
  public static var physicalMemory: Int {
    max(0, sysconf(Int32(_SC_PHYS_PAGES))) * max(0, sysconf(Int32(_SC_PAGESIZE)))
  }

  /// The size of a memory page in bytes.
  public static var pageSize: Int { max(1, sysconf(Int32(_SC_PAGESIZE))) }

  /// Bytes available to unprivileged users on the file system holding `path` (`statvfs`).
  public static func freeSpace(at path: String) throws(PosixError) -> UInt64 {
    var info = statvfs()
    _ = try syscall("statvfs \(path)") { statvfs(path, &info) }
    return UInt64(info.f_bavail) * UInt64(info.f_frsize)
  }
}
