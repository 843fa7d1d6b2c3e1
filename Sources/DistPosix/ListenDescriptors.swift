internal import Glibc
public import SystemPackage

/// Listening sockets a process was started with, under systemd's socket-activation convention
/// (`sd_listen_fds(3)`, implemented here without libsystemd): `LISTEN_FDS=N` sockets from descriptor 3 on,
/// meant for the process whose pid is `LISTEN_PID`, named by `LISTEN_FDNAMES` (`name:name:…`).
///
/// `distccd --daemon` hands its bound sockets to the copy of itself it detaches into the same way, so the
/// port is listening before the command returns.
public struct ListenDescriptors: Sendable, Equatable {
  /// The first descriptor passed (`SD_LISTEN_FDS_START`).
  public static let firstDescriptor: Int32 = 3

  /// The sockets, in descriptor order, with their names (empty when `LISTEN_FDNAMES` gave none).
  public var sockets: [(name: String, descriptor: FileDescriptor)]

  public static func == (lhs: Self, rhs: Self) -> Bool {
    lhs.sockets.map(\.name) == rhs.sockets.map(\.name)
      && lhs.sockets.map(\.descriptor) == rhs.sockets.map(\.descriptor)
  }

  /// The variables that carry the handover; removed from the environment once read, so that no child
  /// (a compiler) believes it was handed sockets too.
  public static let variables = ["LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"]

  /// What is wrong with the handover.
  public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
    /// `LISTEN_FDS` or `LISTEN_PID` is not a number in range.
    case badVariable(name: String, value: String)
    /// A passed descriptor is not open, or not a socket.
    case notASocket(descriptor: Int32)

    public var description: String {
      switch self {
      case .badVariable(let name, let value): "invalid \(name)=\"\(value)\""
      case .notASocket(let descriptor): "descriptor \(descriptor) from LISTEN_FDS is not a socket"
      }
    }
  }

  /// The environment entries that hand `count` sockets named `names` to a child started with them as its
  /// `SpawnRequest.inheritedDescriptors`. No `LISTEN_PID`: the spawner cannot know the child's pid, so the
  /// child accepts the handover through ``take(from:processID:acceptWithoutProcessID:)``'s last argument.
  public static func environment(names: [String]) -> [String: String] {
    ["LISTEN_FDS": String(names.count), "LISTEN_FDNAMES": names.joined(separator: ":")]
  }

  /// Takes the sockets handed to this process and removes the variables from `environment`.
  ///
  /// - Parameters:
  ///   - processID: this process's pid, compared with `LISTEN_PID` (a mismatch means the variables were
  ///     meant for a parent, and nothing is taken, as `sd_listen_fds` does).
  ///   - acceptWithoutProcessID: take the sockets when `LISTEN_PID` is absent (a handover from a parent
  ///     this process trusts).
  /// - Returns: `nil` when no sockets were handed to this process.
  /// - Throws: ``Failure`` for malformed variables or a descriptor that is not a socket.
  public static func take(
    from environment: inout [String: String], processID: Int32, acceptWithoutProcessID: Bool = false
  ) throws(Failure) -> ListenDescriptors? {
    let count = environment["LISTEN_FDS"]
    let pid = environment["LISTEN_PID"]
    let names = environment["LISTEN_FDNAMES"]
    for name in variables { environment.removeValue(forKey: name) }
    guard let count else { return nil }
    if let pid {
      guard let value = Int32(pid), value > 0 else {
        throw .badVariable(name: "LISTEN_PID", value: pid)
      }
      guard value == processID else { return nil }
    } else if !acceptWithoutProcessID {
      return nil
    }
    guard let number = Int32(count), number >= 0, number < 1024 else {
      throw .badVariable(name: "LISTEN_FDS", value: count)
    }
    let nameList = names.map {
      $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
    }
    var sockets: [(name: String, descriptor: FileDescriptor)] = []
    for index in 0..<number {
      let descriptor = firstDescriptor + index
      var info = stat()
      guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFSOCK else {
        throw .notASocket(descriptor: descriptor)
      }
      let fd = FileDescriptor(rawValue: descriptor)
      try? fd.setCloseOnExec(true)
      let name = nameList.flatMap { Int(index) < $0.count ? $0[Int(index)] : nil } ?? ""
      sockets.append((name, fd))
    }
    return ListenDescriptors(sockets: sockets)
  }
}
