public import DistPosix
internal import Glibc
public import SystemPackage

/// Where the broker for one destination lives: `DIRECTORY/broker-HASH.sock` and its start lock
/// `broker-HASH.lock`, the hash over the user, host, port and `HOME` (whose `~/.ssh` decides the session).
public struct SSHBrokerPlace: Sendable, Equatable {
  /// The private directory, `$DISTCC_DIR/ssh`.
  public let directory: String
  public let name: String

  public init(directory: String, destination: SSHDestination, home: String) {
    self.directory = directory
    let key =
      "\(destination.user ?? "")@\(destination.host):\(destination.port.map(String.init) ?? "") \(home)"
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
    for byte in key.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    let hex = String(hash, radix: 16)
    name = "broker-" + String(repeating: "0", count: 16 - hex.count) + hex
  }

  init(directory: String, name: String) {
    self.directory = directory
    self.name = name
  }

  public var socketPath: String { directory + "/" + name + ".sock" }
  public var lockPath: String { directory + "/" + name + ".lock" }
  /// Present (and recent) when this destination needs OpenSSH's client: holds the reason.
  public var openSSHPath: String { directory + "/" + name + ".openssh" }
}

/// The client side of ``SSHBroker``: reaches the broker for a destination, starting it when there is none,
/// and returns a socket that carries one job's bytes exactly as a TCP connection to the daemon would.
///
/// A stale socket (no broker behind it) or a broker that goes away before answering costs one new start; two
/// clients starting at once take the start lock in turn, so only one broker starts.
public enum SSHBrokerClient {
  /// How brokers are started.
  public struct Settings: Sendable {
    /// The executable that serves as broker when run with ``SSHBroker/modeArgument`` (`distcc` itself).
    public var program: String
    /// The private directory for sockets and locks (`$DISTCC_DIR/ssh`), made mode 0700 if missing.
    public var directory: String
    /// Seconds a broker stays after its last job (`DISTCC_SSH_PERSIST`).
    public var idleSeconds: Int
    /// The broker's environment (`HOME`, `SSH_AUTH_SOCK`).
    public var environment: [String: String]

    public init(program: String, directory: String, idleSeconds: Int, environment: [String: String])
    {
      self.program = program
      self.directory = directory
      self.idleSeconds = idleSeconds
      self.environment = environment
    }
  }

  /// The reason a broker gave instead of a reply, or `nil` when `first` (the first bytes read from the
  /// socket after `ready`) starts a reply. A broker whose remote command ended without a byte of reply (a
  /// missing command, a daemon refusing to serve) sends ``BrokerWire/Status/failed`` and a one-line reason
  /// there and then end of file; a distcc reply starts with `DONE`, so the first byte tells them apart. The
  /// rest of the reason is read from `socket`.
  public static func failureInsteadOfReply(
    _ first: ArraySlice<UInt8>, socket: FileDescriptor, deadline: Deadline
  ) -> String? {
    guard first.first == BrokerWire.Status.failed.rawValue else { return nil }
    var reason = Array(first.dropFirst())
    if let rest = try? socket.readToEnd(
      limit: BrokerWire.maxReasonLength, deadline: deadline,
      operation: "read from the connection broker")
    {
      reason += rest
    }
    let text = String(decoding: reason, as: UTF8.self)
    return text.isEmpty ? "the remote command ended without a reply" : text
  }

  /// A socket to a broker running `destination.remoteCommandLine` for this job, or `nil` when no broker can
  /// be used here (the directory is not private to this user, or the socket path is longer than a UNIX
  /// socket address allows): then connect directly.
  /// - Throws: ``SSHError`` when the broker could not open the session or the channel (its message), or went
  ///   away twice.
  public static func connect(_ destination: SSHDestination, options: SSHOptions, settings: Settings)
    throws(SSHError) -> FileDescriptor?
  {
    guard privateDirectory(settings.directory) else { return nil }
    let place = SSHBrokerPlace(
      directory: settings.directory, destination: destination, home: options.home)
    guard place.socketPath.utf8.count < 108 else { return nil }
    let deadline = Deadline.after(
      milliseconds: (options.connectTimeout + options.setupTimeout).milliseconds + 5000)
    let hello = BrokerWire.helloBytes(commandLine: destination.remoteCommandLine)
    for _ in 0..<2 {
      guard
        let socket = try reach(
          place, destination: destination, settings: settings, deadline: deadline)
      else { return nil }
      switch exchangeHello(socket, hello: hello, deadline: deadline) {
      case .ready: return socket
      case .failed(let reason):
        socket.closeIgnoringErrors()
        throw .broker(host: destination.description, reason: reason)
      case .openSSH(let reason):
        socket.closeIgnoringErrors()
        throw .needsOpenSSH(host: destination.description, reason: reason)
      case .gone:
        socket.closeIgnoringErrors()
      }
    }
    throw .broker(host: destination.description, reason: "the connection broker went away twice")
  }

  /// Runs `body` holding the exclusive start lock of `place` (an open-file-description lock on its lock file).
  static func withStartLock<T, E: Error>(_ place: SSHBrokerPlace, _ body: () throws(E) -> T)
    throws(E) -> T
  {
    guard
      let lock = try? FileDescriptor.open(
        place.lockPath, .readWrite, options: [.create, .closeOnExec, .noFollow],
        permissions: [.ownerReadWrite])
    else { return try body() }
    defer { lock.closeIgnoringErrors() }
    try? OpenFileLock.lock(lock, .exclusive)
    return try body()
  }

  /// A connection to the running broker, else to a broker started now; `nil` if the socket cannot be
  /// made.
  private static func reach(
    _ place: SSHBrokerPlace, destination: SSHDestination, settings: Settings, deadline: Deadline
  ) throws(SSHError) -> FileDescriptor? {
    let address = SocketAddress.unix(path: place.socketPath)
    func attempt() -> Result<FileDescriptor, PosixError> {
      Result { () throws(PosixError) in try Socket.connect(to: address, deadline: deadline) }
    }
    /// Only a missing socket or one nobody listens on means "no broker"; anything else (a full backlog)
    /// must not replace a live one.
    func isAbsent(_ error: PosixError) -> Bool {
      error.errno == .noSuchFileOrDirectory || error.errno == .connectionRefused
    }
    switch attempt() {
    case .success(let socket): return socket
    case .failure(let error) where !isAbsent(error): return nil
    case .failure: break
    }
    return try withStartLock(place) { () throws(SSHError) -> FileDescriptor? in
      switch attempt() {
      case .success(let socket): return socket
      case .failure(let error) where !isAbsent(error): return nil
      case .failure: break
      }
      try? Paths.remove(place.socketPath)
      let listener: FileDescriptor
      do { listener = try Socket.listen(on: address, backlog: 128) } catch { return nil }
      defer { listener.closeIgnoringErrors() }
      try start(place, destination: destination, listener: listener, settings: settings)
      return try? attempt().get()
    }
  }

  private static func start(
    _ place: SSHBrokerPlace, destination: SSHDestination, listener: FileDescriptor,
    settings: Settings
  ) throws(SSHError) {
    let nullDescriptor = try? FileDescriptor.open("/dev/null", .readWrite, options: [.closeOnExec])
    defer { nullDescriptor?.closeIgnoringErrors() }
    let arguments =
      [settings.program, SSHBroker.modeArgument]
      + LaunchArguments(
        place: place, destination: destination, idleSeconds: settings.idleSeconds
      ).arguments
    var request = SpawnRequest(
      executable: settings.program, arguments: arguments.map { Array($0.utf8) },
      environment: settings.environment.map { Array(($0.key + "=" + $0.value).utf8) },
      standardInput: nullDescriptor, standardOutput: nullDescriptor, standardError: nullDescriptor,
      workingDirectory: "/", newSession: true)
    request.inheritedDescriptors = [listener]
    do {
      let child = try ChildProcess.spawn(request)
      child.pidfd.closeIgnoringErrors()  // detached: it outlives this process
    } catch {
      try? Paths.remove(place.socketPath)
      throw .spawn(program: settings.program, reason: error.description)
    }
  }

  private enum HelloOutcome {
    case ready
    case failed(String)
    case openSSH(String)
    case gone
  }

  private static func exchangeHello(_ socket: FileDescriptor, hello: [UInt8], deadline: Deadline)
    -> HelloOutcome
  {
    // A write that fails still leaves the broker's answer (a failure) to read.
    hello.withUnsafeBytes { buffer in
      _ = Result { () throws(PosixError) in
        try socket.writeAll(buffer, deadline: deadline, operation: "write to the connection broker")
      }
    }
    var status: [UInt8] = [0]
    let count = status.withUnsafeMutableBytes { buffer in
      try? Result { () throws(PosixError) in
        try socket.readSome(
          into: buffer, deadline: deadline, operation: "read from the connection broker")
      }.get()
    }
    guard count == 1, let answer = BrokerWire.Status(rawValue: status[0]) else { return .gone }
    switch answer {
    case .ready: return .ready
    case .retry: return .gone
    case .failed, .openSSH:
      let reason =
        (try? socket.readToEnd(
          limit: BrokerWire.maxReasonLength, deadline: deadline,
          operation: "read from the connection broker"))
        ?? []
      let text = String(decoding: reason, as: UTF8.self)
      if answer == .openSSH { return .openSSH(text) }
      return .failed(text.isEmpty ? "the connection broker failed" : text)
    }
  }

  /// Makes `path` (mode 0700) if missing; true when it is a directory of this user that nobody else can
  /// enter (a broker socket there serves whoever can reach it, `SO_PEERCRED` aside).
  static func privateDirectory(_ path: String) -> Bool {
    if mkdir(path, 0o700) != 0 && errno != EEXIST { return false }
    var info = stat()
    guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR, info.st_uid == geteuid() else {
      return false
    }
    if info.st_mode & 0o077 != 0 { return chmod(path, 0o700) == 0 }
    return true
  }

  /// The arguments after ``SSHBroker/modeArgument``: `key=value` words.
  struct LaunchArguments {
    var place: SSHBrokerPlace
    var destination: SSHDestination
    var idleSeconds: Int

    init(place: SSHBrokerPlace, destination: SSHDestination, idleSeconds: Int) {
      self.place = place
      self.destination = destination
      self.idleSeconds = idleSeconds
    }

    var arguments: [String] {
      var words = [
        "idle=\(idleSeconds)", "dir=\(place.directory)", "name=\(place.name)",
        "host=\(destination.host)",
      ]
      if let user = destination.user { words.append("user=\(user)") }
      if let port = destination.port { words.append("port=\(port)") }
      return words
    }

    init?(_ words: [String]) {
      var values: [Substring: String] = [:]
      for word in words {
        guard let equals = word.firstIndex(of: "=") else { return nil }
        values[word[..<equals]] = String(word[word.index(after: equals)...])
      }
      guard let idle = values["idle"].flatMap({ Int($0) }), idle > 0, let directory = values["dir"],
        let name = values["name"], let host = values["host"]
      else { return nil }
      var port: UInt16?
      if let text = values["port"] {
        guard let value = UInt16(text) else { return nil }
        port = value
      }
      self.init(
        place: SSHBrokerPlace(directory: directory, name: name),
        destination: SSHDestination(host: host, user: values["user"], port: port), idleSeconds: idle
      )
    }
  }
}
