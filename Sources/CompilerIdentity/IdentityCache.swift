import DistPosix
import SystemPackage

/// Compiler identities cached under `$DISTCC_DIR/identity/`, one small file per compiler path, keyed by the
/// (device, inode, size, modification time) of every file fingerprinted: a compiler is probed again only
/// when one of its files changes (an upgrade), so a job pays a few `stat` calls and one small read.
///
/// File format: the identity's ``CompilerIdentity/text`` on the first line, then one line per file:
/// `<device> <inode> <size> <mtime> <path>`.
public struct IdentityCache: Sendable {
  /// `$DISTCC_DIR/identity`.
  public let directory: String

  public init(distccDirectory: String) {
    directory = distccDirectory + "/identity"
  }

  /// The identity of the compiler at `path` (absolute), from the cache when its files are unchanged, else
  /// probed and stored; nil when the compiler does not answer.
  public func identity(of path: String) -> CompilerIdentity? {
    let entry = "\(directory)/\(Self.fileName(for: path))"
    if let bytes = try? FileContents.read(entry, limit: 1 << 16),
      let cached = Self.parse(String(decoding: bytes, as: UTF8.self))
    {
      return cached
    }
    guard let (identity, record) = Self.probe(path) else { return nil }
    try? Paths.makeDirectory(directory, permissions: FilePermissions(rawValue: 0o777))
    try? FileContents.writeAtomically(Array(record.utf8), to: entry, mode: 0o644)
    return identity
  }

  /// Probes the compiler at `path`: its identity and the record to keep (the file format above).
  static func probe(_ path: String, ask: CompilerProbe.Ask = CompilerProbe.askDirectly)
    -> (CompilerIdentity, String)?
  {
    guard let (identity, files) = CompilerProbe.identify(path, ask: ask) else { return nil }
    var record = identity.text + "\n"
    for file in files {
      guard let key = key(file) else { return (identity, "") }
      record += key + " " + file + "\n"
    }
    return (identity, record)
  }

  /// The cached identity if every listed file still has its recorded key.
  /// (``IdentityMemo`` keeps the same records in memory.)
  static func parse(_ text: String) -> CompilerIdentity? {
    let lines = text.split(separator: "\n")
    guard let first = lines.first, let identity = CompilerIdentity(text: String(first)),
      lines.count > 1
    else { return nil }
    return filesUnchanged(lines.dropFirst()) ? identity : nil
  }

  /// Whether every `<device> <inode> <size> <mtime> <path>` line still describes its file.
  private static func filesUnchanged(_ lines: ArraySlice<Substring>) -> Bool {
    lines.allSatisfy { line in
      let parts = line.split(separator: " ", maxSplits: 4)
      return parts.count == 5 && key(String(parts[4])) == parts[0...3].joined(separator: " ")
    }
  }

  /// The record of a compiler at `path` that did not answer: `?`, then its driver's line; it is asked again
  /// only when the driver changes (``isCurrentFailure(_:)``).
  static func failureRecord(_ path: String) -> String? {
    key(path).map { "?\n\($0) \(path)\n" }
  }

  /// Whether `text` is a ``failureRecord(_:)`` whose driver is unchanged.
  static func isCurrentFailure(_ text: String) -> Bool {
    let lines = text.split(separator: "\n")
    return lines.first == "?" && lines.count == 2 && filesUnchanged(lines.dropFirst())
  }

  private static func key(_ path: String) -> String? {
    guard let status = try? FileStatus(path) else { return nil }
    return "\(status.device) \(status.inode) \(status.size) \(status.modificationSeconds)"
  }

  /// A file name for `path`: the FNV-1a hash in hex of the record's format and the path, so that records of
  /// an older format are not read as this one's. Format 2: fingerprints of build IDs; 3: identities probed
  /// through one driver transcript (``DriverTranscript``), whose answers for a compiler that answers each
  /// question differently (a wrapper faking `-dumpfullversion` alone) are not format 2's.
  static func fileName(for path: String, format: Int = 3) -> String {
    var hash = FNV1a()
    hash.add(Array(("\(format) " + path).utf8))
    return String(hash.value, radix: 16)
  }
}
