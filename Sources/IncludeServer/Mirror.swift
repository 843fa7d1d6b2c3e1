internal import DistPosix
internal import DistProtocol
import Synchronization

/// The include server's copy of what clients send (`protocol.md` §9.3): under a root of exactly three path
/// components, each file of a closure as `<root><path>.lzo` (its LZO1X stream, compressed once per version
/// of the file), each symlink as a symlink with the same target, each needed directory as
/// `<root><dir>/forcing_technique_271828`, each system directory as a link `../…/<same path>`.
public final class Mirror: Sendable {
  /// Absolute path of the mirror root (three components).
  public let root: String
  /// The version of each file last written, by its physical path.
  private let written = Mutex<[String: FileVersion]>([:])
  private let madeDirectories = Mutex<Set<String>>([])
  /// Files compressed so far.
  let compressions = Mutex<Int>(0)

  /// The placeholder name 3.4's include server uses to make a directory exist on the server.
  public static let placeholder = "forcing_technique_271828"

  /// Why the mirror could not be made or written.
  public struct Failure: Error, Sendable, CustomStringConvertible {
    public var description: String
  }

  /// Creates a fresh mirror root under `temporaryDirectory` (absolute, at most two components: `/dev/shm`
  /// gives `/dev/shm/distcc-pump-mirror.XXXXXX`, `/tmp` gives `/tmp/distcc-pump-mirror.XXXXXX/padding`).
  public init(temporaryDirectory: String) throws(Failure) {
    let depth = temporaryDirectory.split(separator: "/").count
    guard temporaryDirectory.hasPrefix("/"), depth >= 1, depth <= 2 else {
      throw Failure(
        description:
          "DISTCC_CLIENT_TMP must be an absolute directory of at most two levels: \(temporaryDirectory)"
      )
    }
    do {
      var made = try TemporaryFiles.makeDirectory(
        in: PathText.normalized(temporaryDirectory), prefix: "distcc-pump-mirror.")
      if depth == 1 {
        made += "/padding"
        try FileSystemEdits.makeDirectory(made)
      }
      root = made
    } catch {
      throw Failure(description: "\(error)")
    }
  }

  /// Removes the whole mirror (and its padding parent).
  public func remove() {
    let top = root.hasSuffix("/padding") ? String(root.dropLast("/padding".count)) : root
    try? TemporaryFiles.removeTree(top)
  }

  /// Makes sure every entry of `closure` is in the mirror; returns the mirror paths to send, in order.
  func publish(_ closure: IncludeClosure, session: inout LookupSession) throws(Failure) -> [String]
  {
    var paths: [String] = []
    for entry in closure.entries {
      switch entry {
      case .file(let path):
        guard let status = session.status(path) else {
          throw Failure(description: "\(path) vanished during analysis")
        }
        let mirrored = root + path + ".lzo"
        if written.withLock({ $0[path] }) != status {
          let bytes: [UInt8]
          do { bytes = try FileContents.read(path, limit: 256 << 20) } catch {
            throw Failure(description: "\(error)")
          }
          try prepareParent(of: mirrored)
          do {
            try FileContents.writeAtomically(LZO.compress(bytes), to: mirrored, mode: 0o600)
          } catch {
            throw Failure(description: "\(error)")
          }
          written.withLock { $0[path] = status }
          compressions.withLock { $0 += 1 }
        }
        paths.append(mirrored)
      case .link(let path, let target):
        try placeLink(root + path, target: target)
        paths.append(root + path)
      case .directory(let path):
        let placeholder = root + (path == "/" ? "" : path) + "/" + Self.placeholder
        try prepareParent(of: placeholder)
        if FileVersion.entry(placeholder)?.kind != .regular {
          do { try FileContents.writeAtomically([UInt8](), to: placeholder, mode: 0o600) } catch {
            throw Failure(description: "\(error)")
          }
        }
        paths.append(placeholder)
      case .systemDirectory(let path):
        // Enough `..` to climb out of any server root of up to 8 components (3.4's is 2: /tmp/distccd_XXXXXX).
        let depth = path.split(separator: "/").count - 1 + 8
        let target = String(repeating: "../", count: depth) + path.dropFirst()
        try placeLink(root + path, target: target)
        paths.append(root + path)
      }
    }
    return paths
  }

  private func placeLink(_ mirrored: String, target: String) throws(Failure) {
    if FileVersion.linkTarget(mirrored) == target { return }
    try prepareParent(of: mirrored)
    do { try FileSystemEdits.replaceWithLink(mirrored, target: target) } catch {
      throw Failure(description: "\(error)")
    }
  }

  /// Creates the directories above `path` inside the root, never through a symlink: a link or file where
  /// a directory is needed (the tree changed between two queries) is replaced.
  private func prepareParent(of path: String) throws(Failure) {
    let parent = PathText.directory(of: path)
    if madeDirectories.withLock({ $0.contains(parent) }) { return }
    var current = root
    for component in parent.dropFirst(root.count).split(separator: "/") {
      current += "/" + component
      let status = FileVersion.entry(current)
      if status?.kind == .directory { continue }
      do {
        if status != nil { try FileSystemEdits.remove(current) }
        try FileSystemEdits.makeDirectory(current)
      } catch {
        throw Failure(description: "\(error)")
      }
    }
    madeDirectories.withLock { _ = $0.insert(parent) }
  }
}
