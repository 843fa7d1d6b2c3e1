import DistPosix
import Glibc

/// Free TCP ports on loopback, chosen at run time.
public enum FreePort {
  /// A port that nothing listens on at `address` right now: the kernel picks it for a socket bound to
  /// port 0, which is then closed. Ports are handed out in the kernel's order, so two calls rarely collide,
  /// and a test retries with a new one if a daemon cannot bind.
  public static func pick(on address: String = "127.0.0.1") throws -> UInt16 {
    guard let socketAddress = SocketAddress(numericHost: address, port: 0) else {
      throw PosixError.system(operation: "parse \(address)", errno: .invalidArgument)
    }
    let fd = try Socket.listen(on: socketAddress, backlog: 1)
    defer { fd.closeIgnoringErrors() }
    guard let bound = try Socket.localAddress(fd) else {
      throw PosixError.system(operation: "getsockname", errno: .invalidArgument)
    }
    return bound.port
  }
}
