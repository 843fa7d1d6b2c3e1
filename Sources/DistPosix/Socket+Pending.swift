internal import Glibc
public import SystemPackage

extension Socket {
  /// Whether the peer of a connected socket has closed it (end of file or an error pending), without
  /// consuming data. A descriptor that is not a socket (a pipe) never counts as closed here.
  public static func peerHasClosed(_ fd: FileDescriptor) -> Bool {
    var byte: UInt8 = 0
    while true {
      let got = recv(fd.rawValue, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
      if got >= 0 { return got == 0 }
      switch currentErrno() {
      case .interrupted: continue
      case .wouldBlock, .notSocket: return false
      default: return true
      }
    }
  }

  /// Reads and drops up to 4 KiB pending on a socket, without blocking.
  public static func discardPending(_ fd: FileDescriptor) {
    withUnsafeTemporaryAllocation(byteCount: 4096, alignment: 1) { buffer in
      _ = recv(fd.rawValue, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
    }
  }
}
