import DistPosix
import SystemPackage

/// Something a scan of the state directory skipped with a warning, as 3.4's monitor logs it.
public enum StateScanWarning: Sendable, Hashable, CustomStringConvertible {
  /// A state file could not be opened for a reason other than having vanished.
  case cannotOpen(path: String, errno: Int32)
  /// `fstat` failed on an open state file.
  case cannotStat(path: String, errno: Int32)
  /// A stale state file could not be deleted.
  case cannotRemoveStale(path: String, errno: Int32)
  /// A full-size file whose `magic` field is wrong.
  case wrongMagic(path: String)
  /// A full-size file whose `struct_size` field is not 296.
  case wrongStructureSize(path: String)
  /// `kill(pid, 0)` failed with something other than `ESRCH` or `EPERM`.
  case cannotCheckProcess(pid: Int64, errno: Int32)

  /// The 3.4 function that logs this warning, for logs identical to 3.4's
  /// (`distccmon-text[PID] (function) Warning: …`).
  public var function: String {
    switch self {
    case .cannotOpen: "dcc_mon_do_file"
    case .cannotStat, .cannotRemoveStale: "dcc_mon_kill_old"
    case .wrongMagic, .wrongStructureSize: "dcc_mon_read_state"
    case .cannotCheckProcess: "dcc_mon_check_orphans"
    }
  }

  /// The message, worded as 3.4 words it.
  public var description: String {
    switch self {
    case .cannotOpen(let path, let errno):
      "failed to open \(path): \(Errno(rawValue: errno).message)"
    case .cannotStat(let path, let errno):
      "error statting \(path): \(Errno(rawValue: errno).message)"
    case .cannotRemoveStale(let path, let errno):
      "unlink \(path) failed: \(Errno(rawValue: errno).message)"
    case .wrongMagic(let path): "wrong magic number: \(path)"
    case .wrongStructureSize(let path): "wrong structure size: \(path): version mismatch?"
    case .cannotCheckProcess(let pid, let errno):
      "kill \(pid), 0 failed: \(Errno(rawValue: errno).message)"
    }
  }
}
