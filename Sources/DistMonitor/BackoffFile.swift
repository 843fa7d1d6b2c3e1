import DistPosix

/// A back-off mark left by a client in `$DISTCC_DIR/lock` (`client.md` §7): `backoff_tcp_HOST_PORT_0` or
/// `backoff_ssh_HOST_0`, whose modification time is the moment of the last failure on that host.
public struct BackoffFile: Sendable, Hashable {
  /// The host name as written in the host list (and in state files).
  public var host: String
  /// The TCP port, or `nil` for an SSH host.
  public var port: Int?
  /// When the host was last marked, in seconds since the epoch.
  public var markedAt: Int

  public init(host: String, port: Int?, markedAt: Int) {
    self.host = host
    self.port = port
    self.markedAt = markedAt
  }

  /// Parses a lock-directory file name; `nil` for names that are not back-off marks.
  /// Host names may contain `_`, so the port and the trailing `_0` are taken from the end.
  public init?(fileName: String, markedAt: Int) {
    guard fileName.hasSuffix("_0") else { return nil }
    let stem = fileName.dropLast(2)
    if stem.hasPrefix("backoff_tcp_") {
      let rest = stem.dropFirst("backoff_tcp_".count)
      guard let underscore = rest.lastIndex(of: "_"),
        let port = Int(rest[rest.index(after: underscore)...]),
        underscore > rest.startIndex
      else { return nil }
      self.init(host: String(rest[..<underscore]), port: port, markedAt: markedAt)
    } else if stem.hasPrefix("backoff_ssh_") {
      let host = stem.dropFirst("backoff_ssh_".count)
      guard !host.isEmpty else { return nil }
      self.init(host: String(host), port: nil, markedAt: markedAt)
    } else {
      return nil
    }
  }

  /// Whether clients still skip the host `now` (seconds), given `DISTCC_BACKOFF_PERIOD`.
  public func isActive(now: Int, period: Int) -> Bool { now - markedAt < period }

  /// Every back-off mark in `lockDirectory`; a missing directory has none.
  public static func scan(lockDirectory: String) -> [BackoffFile] {
    guard let names = try? Directory.entries(lockDirectory) else { return [] }
    var files: [BackoffFile] = []
    for name in names {
      guard name.hasPrefix("backoff_") else { continue }
      guard let status = try? FileStatus(lockDirectory + "/" + name) else { continue }
      if let file = BackoffFile(fileName: name, markedAt: status.modificationSeconds) {
        files.append(file)
      }
    }
    return files
  }
}
