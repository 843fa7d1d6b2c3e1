public import DistPosix
public import DistProtocol
import Synchronization
public import SystemPackage

/// The pump-mode include server: answers 3.4's client query (`CDIR`, `ARGC`, `ARGV`… over an AF_UNIX
/// stream socket, `protocol.md` §9) with the mirror paths of everything the compile needs, or with no
/// paths when it gives up (the client then preprocesses locally). One thread per connection; the caches
/// are shared.
public final class IncludeServer: Sendable {
  public let analyzer: IncludeAnalyzer
  public let mirror: Mirror
  private let log: @Sendable (String) -> Void
  private let counters = Mutex<(queries: Int, gaveUp: Int, files: Int)>((0, 0, 0))

  /// - Parameter log: receives one line per query given up on (and errors).
  public init(mirror: Mirror, log: @escaping @Sendable (String) -> Void) {
    analyzer = IncludeAnalyzer()
    self.mirror = mirror
    self.log = log
  }

  /// The reply to one query.
  public func answer(_ query: IncludeServerQuery) -> IncludeServerReply {
    let directory = String(decoding: query.workingDirectory, as: UTF8.self)
    let arguments = query.arguments.map { String(decoding: $0, as: UTF8.self) }
    do {
      guard directory.hasPrefix("/") else {
        throw IncludeAnalyzer.GaveUp(description: "working directory \(directory) is not absolute")
      }
      let closure = try analyzer.closure(workingDirectory: directory, arguments: arguments)
      var session = LookupSession(cache: analyzer.cache)
      let paths = try mirror.publish(closure, session: &session)
      counters.withLock {
        $0.queries += 1
        $0.files += paths.count
      }
      return IncludeServerReply(paths: paths.map { Array($0.utf8) })
    } catch {
      counters.withLock {
        $0.queries += 1
        $0.gaveUp += 1
      }
      log("gave up on \(arguments.joined(separator: " ")): \(error)")
      return IncludeServerReply(paths: [])
    }
  }

  /// One line of figures: queries, given up, paths sent, files parsed and reused, directories listed,
  /// files compressed.
  public var statisticsLine: String {
    let (queries, gaveUp, files) = counters.withLock { $0 }
    let cache = analyzer.statistics
    let compressed = mirror.compressions.withLock { $0 }
    return
      "queries \(queries), gave up \(gaveUp), paths sent \(files), files parsed \(cache.parsed), parses reused \(cache.reused), directories listed \(cache.listed), files compressed \(compressed)"
  }

  /// Listens on a new AF_UNIX socket at `path`.
  public static func listen(at path: String) throws(PosixError) -> FileDescriptor {
    try Socket.listen(on: .unix(path: path), backlog: 512)
  }

  /// Accepts connections on `listener` for ever, each served on a thread of its own.
  public func serve(_ listener: FileDescriptor) -> Never {
    while true {
      let connection: FileDescriptor
      do { (connection, _) = try Socket.accept(listener, deadline: .never) } catch {
        log("accept: \(error)")
        continue
      }
      do {
        try PosixThread.detach { [self] in handle(connection) }
      } catch {
        log("\(error)")
        handle(connection)
      }
    }
  }

  /// Reads one query, answers it, closes the connection.
  public func handle(_ connection: FileDescriptor) {
    defer { connection.closeIgnoringErrors() }
    let deadline = Deadline.after(seconds: 60)
    var decoder = IncludeServerQueryDecoder()
    do {
      var query: IncludeServerQuery?
      while query == nil {
        let bytes = try connection.readSome(
          upTo: 65536, deadline: deadline, operation: "read query")
        if bytes.isEmpty {
          try decoder.finish()
          return
        }
        decoder.append(bytes)
        query = try decoder.next()
      }
      guard let query else { return }
      let reply = try answer(query).encoded()
      try connection.writeAll(reply, deadline: deadline, operation: "write reply")
    } catch {
      log("connection: \(error)")
    }
  }
}
