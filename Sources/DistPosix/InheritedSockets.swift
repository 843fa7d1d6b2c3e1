internal import Glibc
public import SystemPackage

/// Sockets a service manager opened and handed to this process: systemd's socket activation protocol
/// (`sd_listen_fds(3)`), done by hand so that no libsystemd is needed.
///
/// The manager passes `LISTEN_FDS` descriptors starting at 3, and `LISTEN_PID`, the pid they are meant for
/// (a child that inherits the environment must not take them). ``take(environment:)`` reads both, removes
/// `LISTEN_PID`, `LISTEN_FDS` and `LISTEN_FDNAMES` from the process environment (so nothing the process
/// starts sees them) and marks every descriptor close-on-exec.
///
/// ```swift
/// if let inherited = try InheritedSockets.take() {
///   for fd in inherited.descriptors where Socket.isListening(fd) { … }   // Accept=no
/// }
/// ```
public struct InheritedSockets: Sendable {
  /// The first descriptor passed (`SD_LISTEN_FDS_START`).
  public static let firstDescriptor: Int32 = 3

  /// The descriptors, 3, 4, … in order.
  public let descriptors: [FileDescriptor]
  /// `LISTEN_FDNAMES` split at `:` (systemd's `FileDescriptorName=`), one per descriptor when given.
  public let names: [String]

  /// Why the passed sockets cannot be used.
  public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
    /// `LISTEN_FDS` is not a positive number.
    case badCount(String)
    /// A descriptor the manager announced is not open.
    case notOpen(Int32)

    public var description: String {
      switch self {
      case .badCount(let text): "LISTEN_FDS=\(text) is not a number of descriptors"
      case .notOpen(let fd): "LISTEN_FDS names descriptor \(fd), which is not open"
      }
    }
  }

  /// Takes the sockets passed to this process, if any.
  ///
  /// - Returns: `nil` when `LISTEN_PID` is unset or names another process (the sockets are not ours), or
  ///   when `LISTEN_FDS` is unset or 0.
  /// - Throws: ``Failure`` when `LISTEN_FDS` is malformed or names a descriptor that is not open.
  public static func take() throws(Failure) -> InheritedSockets? {
    let pid = value("LISTEN_PID")
    let count = value("LISTEN_FDS")
    let names = value("LISTEN_FDNAMES")
    unsetenv("LISTEN_PID")
    unsetenv("LISTEN_FDS")
    unsetenv("LISTEN_FDNAMES")
    guard let pid, Int32(pid) == getpid(), let count else { return nil }
    guard let number = Int32(count), number >= 0, number <= 4096 else { throw .badCount(count) }
    guard number > 0 else { return nil }
    var descriptors: [FileDescriptor] = []
    for fd in firstDescriptor..<(firstDescriptor + number) {
      let flags = fcntl(fd, F_GETFD)
      guard flags >= 0 else { throw .notOpen(fd) }
      _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC)
      descriptors.append(FileDescriptor(rawValue: fd))
    }
    let split = names.map {
      $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
    }
    return InheritedSockets(descriptors: descriptors, names: split ?? [])
  }

  private static func value(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
  }
}

extension Socket {
  /// Whether `fd` is a listening socket (`SO_ACCEPTCONN`): systemd's `Accept=no` passes listening
  /// sockets, `Accept=yes` one connected socket.
  public static func isListening(_ fd: FileDescriptor) -> Bool {
    (try? option(fd, SOL_SOCKET, SO_ACCEPTCONN)) == 1
  }

  /// Makes `fd` non-blocking (`O_NONBLOCK`), as every socket this module opens is: an inherited listener
  /// must not block `accept` when a client vanishes between `poll` and `accept`.
  public static func setNonBlocking(_ fd: FileDescriptor) throws(PosixError) {
    let flags = try syscall("fcntl F_GETFL") { fcntl(fd.rawValue, F_GETFL) }
    _ = try syscall("fcntl F_SETFL") { fcntl(fd.rawValue, F_SETFL, flags | O_NONBLOCK) }
  }
}
