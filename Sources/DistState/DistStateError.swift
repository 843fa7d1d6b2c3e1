import DistPosix
import SystemPackage

/// Why a state record could not be decoded, or a state file not be written, read or removed.
public enum DistStateError: Error, Sendable, Equatable, CustomStringConvertible {
  /// Fewer than 296 bytes: 3.4's monitor skips such a file silently (the client may be rewriting it).
  case truncated(length: Int)
  /// The `magic` field is not `0x44494800`.
  case wrongMagic(UInt64)
  /// The `struct_size` field is not 296.
  case wrongStructureSize(UInt64)
  /// Neither `DISTCC_DIR` nor `HOME` is set, so there is no distcc directory.
  case homeNotSet
  /// A system call failed; `operation` names it and its path, as in `open /x/state/binstate_12`.
  case system(operation: String, path: String, errno: Int32)

  public var description: String {
    switch self {
    case .truncated(let length):
      "state record truncated: \(length) of \(StateRecord.size) bytes"
    case .wrongMagic(let magic):
      "wrong magic number 0x\(String(magic, radix: 16)) (expected 0x44494800)"
    case .wrongStructureSize(let size):
      "wrong structure size \(size) (expected \(StateRecord.size)): version mismatch?"
    case .homeNotSet:
      "HOME is not set; can't find distcc directory"
    case .system(let operation, let path, let errno):
      "\(operation) \(path) failed: \(Errno(rawValue: errno).message)"
    }
  }
}
