import DistPosix
import SystemPackage

/// The TCP connection under an SSH session: every resolved address in order, each with the connect deadline.
enum TCPConnection {
  static func open(host: String, port: UInt16, display: String, deadline: Deadline) throws(SSHError)
    -> FileDescriptor
  {
    let addresses: [SocketAddress]
    do {
      addresses = try SocketAddress.resolve(host: host, port: port)
    } catch {
      let prefix = "resolve \(host): "
      let reason =
        error.operation.hasPrefix(prefix)
        ? String(error.operation.dropFirst(prefix.count)) : "\(error)"
      throw .resolve(host: display, reason: reason)
    }
    var reasons: [String] = []
    for address in addresses {
      do {
        let fd = try Socket.connect(to: address, deadline: deadline)
        try? Socket.setNoDelay(fd, true)
        return fd
      } catch {
        if case .timedOut = error { throw .timedOut(host: display, stage: .connect) }
        reasons.append("\(address): \(error.errno?.message ?? "\(error)")")
      }
    }
    throw .connect(
      host: display, reason: reasons.isEmpty ? "no address" : reasons.joined(separator: "; "))
  }
}
