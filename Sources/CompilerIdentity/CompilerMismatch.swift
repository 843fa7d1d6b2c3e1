import DistPosix
import SystemPackage

/// A host found to run another compiler than the client's: it refused a job naming the client's compiler, or
/// its reply named a compiler that differs. The client stops sending that compiler to that host for a while
/// (the period, `DISTCC_MISMATCH_PERIOD`), while other compilers still go there; the web monitor lists them.
///
/// Kept as `$DISTCC_DIR/caps/mismatch_<host stem>_<client key>`, one file per (host, client compiler); its
/// modification time is when it was last seen. Three lines: the host as people name it, the client's
/// identity text, the host's.
public struct CompilerMismatch: Sendable, Hashable {
  /// The host, as the client names it in messages (`127.0.0.46:3632`).
  public var host: String
  /// The client's compiler.
  public var client: CompilerIdentity
  /// The host's compiler for the same command.
  public var server: CompilerIdentity
  /// Seconds since the epoch when it was last seen (the file's modification time).
  public var seen: Int

  public init(host: String, client: CompilerIdentity, server: CompilerIdentity, seen: Int) {
    self.host = host
    self.client = client
    self.server = server
    self.seen = seen
  }

  /// The one line both the daemon's refusal and the client's warning use:
  /// `client gcc 12.2.0 x86_64-linux-gnu, this host gcc 13.1.0 aarch64-linux-gnu`.
  public var line: String { "client \(client), this host \(server)" }

  /// The file's name for a host whose state-file stem is `hostStem` (`tcp_HOST_PORT`) and a client compiler.
  public static func fileName(hostStem: String, client: CompilerIdentity) -> String {
    "mismatch_\(hostStem)_\(client.key)"
  }

  /// The file's text.
  public var text: String { "\(host)\n\(client.text)\n\(server.text)\n" }

  /// Reads a record written by ``write(to:)``; nil if it is not one.
  public static func read(_ path: String) -> CompilerMismatch? {
    guard let fd = try? FileDescriptor.open(path, .readOnly, options: [.noFollow, .closeOnExec])
    else { return nil }
    defer { fd.closeIgnoringErrors() }
    guard let status = try? FileStatus(fd), let bytes = try? FileContents.read(fd, upTo: 4096)
    else { return nil }
    let lines = bytes.split(separator: UInt8(ascii: "\n")).map {
      String(decoding: $0, as: UTF8.self)
    }
    guard lines.count == 3, let client = CompilerIdentity(text: lines[1]),
      let server = CompilerIdentity(text: lines[2])
    else { return nil }
    return CompilerMismatch(
      host: lines[0], client: client, server: server, seen: status.modificationSeconds)
  }

  /// Every record in `directory` (`$DISTCC_DIR/caps`), in file-name order.
  public static func all(in directory: String) -> [CompilerMismatch] {
    ((try? Directory.entries(directory)) ?? []).filter { $0.hasPrefix("mismatch_") }.sorted()
      .compactMap { read(directory + "/" + $0) }
  }

  /// Writes the record to `path` (created or replaced in place; its mtime becomes now).
  public func write(to path: String) {
    guard
      let fd = try? FileDescriptor.open(
        path, .writeOnly, options: [.create, .truncate, .noFollow, .closeOnExec],
        permissions: [.ownerReadWrite, .groupRead, .otherRead])
    else { return }
    defer { fd.closeIgnoringErrors() }
    _ = try? fd.writeAll(Array(text.utf8))
  }
}

extension CompilerIdentity {
  /// 16 hex digits naming this compiler (all four words: `gcc` and `g++` of one installation share family,
  /// version and target but differ in fingerprint), for file names.
  public var key: String {
    var hash = FNV1a()
    hash.add(Array(text.utf8))
    return String(hash.value, radix: 16).leftPadded(to: 16)
  }
}
