import CompilerArgs
import DistPosix
import DistProtocol
import SystemPackage

/// The client side of pump mode's include-server exchange (client.md §9, protocol.md §9): whether a job may
/// go out as protocol 3, and if so the files to send, read from the include server's mirror.
struct IncludeServerClient {
  /// One `NAME` entry of a protocol 3 request, its `FILE` body already compressed by the include server.
  typealias Entry = IncludedFile.Coded

  /// Why the job goes out as protocol 2 instead (the warning 3.4 prints, if any).
  struct Downgrade: Error {
    var warning: String?
  }

  let configuration: ClientConfiguration

  /// The include server's socket, from `INCLUDE_SERVER_PORT`.
  var socketPath: String? { configuration.environment["INCLUDE_SERVER_PORT"] }

  /// The files of `job` from the include server, or why pump mode is not used for it (client.md §9).
  func files(for job: CompileJob, workingDirectory: String, ioTimeout: Int) throws(Downgrade)
    -> [Entry]
  {
    if discrepanciesReachedLimit() {
      throw Downgrade(warning: nil)
    }
    if job.input.isPreprocessed {
      throw Downgrade(
        warning: "cannot use distcc_pump on already preprocessed file (such as emitted by ccache)")
    }
    let environment = configuration.environment
    if environment["CPATH"] != nil || environment["C_INCLUDE_PATH"] != nil
      || environment["CPLUS_INCLUDE_PATH"] != nil
    {
      throw Downgrade(
        warning:
          "cannot use distcc_pump with any of environment variables CPATH, C_INCLUDE_PATH or CPLUS_INCLUDE_PATH set, preprocessing locally"
      )
    }
    guard let socketPath else {
      throw Downgrade(
        warning: "INCLUDE_SERVER_PORT not set - did you forget to run under 'distcc-pump'?")
    }
    guard socketPath.utf8.count < 107 else {
      throw Downgrade(warning: "$INCLUDE_SERVER_PORT is longer than 107 characters")
    }
    let paths: [[UInt8]]
    do {
      paths = try ask(
        IncludeServerQuery(
          workingDirectory: Array(workingDirectory.utf8),
          arguments: job.arguments.map { Array($0.utf8) }), ioTimeout: ioTimeout)
    } catch {
      throw Downgrade(
        warning:
          "failed to talk to include server '\(socketPath)'\nfailed to get includes from include server, preprocessing locally"
      )
    }
    guard !paths.isEmpty else {
      throw Downgrade(
        warning:
          "include server gave up analyzing\nfailed to get includes from include server, preprocessing locally"
      )
    }
    var entries: [Entry] = []
    entries.reserveCapacity(paths.count)
    for path in paths {
      guard let entry = Self.entry(mirrored: String(decoding: path, as: UTF8.self)) else {
        throw Downgrade(
          warning:
            "failed to read include server file '\(String(decoding: path, as: UTF8.self))'\nfailed to get includes from include server, preprocessing locally"
        )
      }
      entries.append(entry)
    }
    return entries
  }

  private func ask(_ query: IncludeServerQuery, ioTimeout: Int) throws -> [[UInt8]] {
    let socket = try Socket.connect(
      to: .unix(path: socketPath ?? ""), deadline: .after(milliseconds: 4000))
    defer { socket.closeIgnoringErrors() }
    // A cancelled call (the async API) shuts the socket down: the wait for the include server ends at once.
    configuration.cancellation?.watch(socket: socket)
    defer { configuration.cancellation?.forget(socket: socket) }
    let deadline = Deadline.after(seconds: ioTimeout)
    try socket.writeAll(
      try query.encoded(), deadline: deadline, operation: "write to include server")
    var decoder = IncludeServerReplyDecoder()
    while true {
      let bytes = try socket.readSome(
        upTo: 65536, deadline: deadline, operation: "read from include server")
      if bytes.isEmpty {
        try decoder.finish()
        throw DistProtocolError.truncated(expecting: .argc, offset: 0)
      }
      decoder.append(bytes)
      if let reply = try decoder.next() { return reply.paths }
    }
  }

  /// A mirror path turned into what is sent: the first three components removed (the mirror root), then a
  /// trailing `.abs` and `.lzo`; a symlink becomes `LINK`, anything else `FILE` with the mirror's bytes.
  static func entry(mirrored path: String) -> Entry? {
    var slashes = 0
    var start = path.endIndex
    for index in path.indices where path[index] == "/" {
      slashes += 1
      if slashes == 4 {
        start = index
        break
      }
    }
    guard start < path.endIndex else { return nil }
    var name = String(path[start...])
    if name.hasSuffix(".abs") { name.removeLast(4) }
    if name.hasSuffix(".lzo") { name.removeLast(4) }
    if let target = FileVersion.linkTarget(path) {
      return .link(name: Array(name.utf8), target: Array(target.utf8))
    }
    guard let bytes = try? FileContents.read(path, limit: 1 << 30) else { return nil }
    return .file(name: Array(name.utf8), codedBody: bytes)
  }

  /// The discrepancy counter beside the socket (client.md §8.5): a byte per pump job that failed remotely
  /// and succeeded locally.
  var discrepancyCounter: String? {
    guard let socketPath, socketPath.hasSuffix("/socket") else { return nil }
    return String(socketPath.dropLast("socket".count)) + "discrepancy_counter"
  }

  /// Whether `DISTCC_MAX_DISCREPANCY` pump failures have been counted (later jobs use protocol 2).
  func discrepanciesReachedLimit() -> Bool {
    guard let counter = discrepancyCounter, let status = FileVersion.follow(counter) else {
      return false
    }
    let limit = configuration.environment["DISTCC_MAX_DISCREPANCY"].flatMap { Int($0) } ?? 1
    return status.size >= limit
  }

  /// Counts one discrepancy; true if that reached the limit.
  func noteDiscrepancy() -> Bool {
    guard let counter = discrepancyCounter else { return false }
    guard
      let fd = try? FileDescriptor.open(
        counter, .writeOnly, options: [.append, .create, .closeOnExec, .noFollow],
        permissions: [.ownerReadWrite])
    else { return false }
    _ = try? fd.writeAll([UInt8(ascii: "@")], deadline: .never)
    fd.closeIgnoringErrors()
    return discrepanciesReachedLimit()
  }
}
