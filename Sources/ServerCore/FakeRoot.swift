import DistPosix
import SystemPackage

/// The protocol-3 fake root (protocol.md §7.2): client paths mirrored under one private directory.
///
/// Nothing is ever written outside it: every name must be absolute with no `..` component, and is created
/// one component at a time with `openat`/`mkdirat`/`symlinkat` and `O_NOFOLLOW`, so a symlink sent
/// earlier cannot redirect a later write. Absolute link targets get the root prepended; relative ones are
/// kept only when they stay inside the root.
final class FakeRoot {
  /// Absolute path of the root directory (no trailing `/`).
  let path: String
  /// Open descriptors of directories made so far, by their components joined with `/` (`""`: the root),
  /// so that the many files of one directory cost no walk from the root. A directory stays one once made
  /// (no entry can replace it), so a kept descriptor always names the directory inside the root.
  /// Keyed by bytes, not `String`: `String` equality is Unicode-canonical, so two different names (NFC and
  /// NFD spellings) would share a descriptor.
  private var directories: [[UInt8]: FileDescriptor] = [:]
  /// The most directories kept open at once.
  static let maxOpenDirectories = 64

  /// Why a client path was refused.
  struct Refusal: Error, CustomStringConvertible {
    var description: String
  }

  init(path: String) throws(PosixError) {
    try Paths.makeDirectory(path, permissions: .ownerReadWriteExecute)
    self.path = path
  }

  deinit {
    for fd in directories.values { fd.closeIgnoringErrors() }
  }

  /// The components of a client path: absolute, no `..`, no NUL; empty and `.` components dropped.
  static func components(of name: [UInt8]) throws(Refusal) -> [String] {
    let text = String(decoding: name, as: UTF8.self)
    guard name.first == UInt8(ascii: "/"), !name.contains(0), Array(text.utf8) == name else {
      throw Refusal(description: "path \"\(text)\" is not an absolute path")
    }
    let parts = text.split(separator: "/").map(String.init).filter { $0 != "." }
    if parts.contains("..") { throw Refusal(description: "path \"\(text)\" contains \"..\"") }
    return parts
  }

  /// The root-prefixed local path of an absolute client path (lexically; for command-line rewriting).
  func localPath(_ clientPath: [UInt8]) -> [UInt8] { Array(path.utf8) + clientPath }

  /// An open descriptor of the directory `components` under the root, creating what is missing one
  /// component at a time; `owned`: the caller closes it (it is not kept).
  private func openDirectory(_ components: ArraySlice<String>) throws(Refusal) -> (
    fd: FileDescriptor, owned: Bool
  ) {
    // Start from the deepest directory already open.
    var depth = components.count
    var found: FileDescriptor? = nil
    while depth >= 0 {
      if let fd = directories[Self.key(components.prefix(depth))] {
        found = fd
        break
      }
      depth -= 1
    }
    var owned = false
    var current: FileDescriptor
    if let found {
      current = found
    } else {
      depth = 0
      do throws(PosixError) {
        current = try FileDescriptor.open(path, .readOnly, options: [.directory, .noFollow])
      } catch {
        throw Refusal(description: "cannot open job root: \(Self.reason(error))")
      }
      owned = !keep(current, as: [])
    }
    for (offset, component) in components.dropFirst(depth).enumerated() {
      do throws(PosixError) {
        try current.makeDirectory(at: component, permissions: .ownerReadWriteExecute)
      } catch  where error.errno != .fileExists {
        if owned { current.closeIgnoringErrors() }
        throw Refusal(
          description: "cannot create directory \"\(component)\": \(Self.reason(error))")
      } catch {}
      let next: FileDescriptor
      do throws(PosixError) {
        next = try current.open(at: component, .readOnly, options: [.directory, .noFollow])
      } catch {
        if owned { current.closeIgnoringErrors() }
        throw Refusal(description: "cannot enter directory \"\(component)\": \(Self.reason(error))")
      }
      if owned { current.closeIgnoringErrors() }
      current = next
      let key = Self.key(components.prefix(depth + offset + 1))
      owned = !keep(current, as: key)
    }
    return (current, owned)
  }

  /// The cache key of a directory: its components' bytes joined with `/`.
  private static func key(_ components: ArraySlice<String>) -> [UInt8] {
    Array(components.joined(separator: "/").utf8)
  }

  /// Keeps `fd` open as directory `key` if there is room; false if the caller must close it.
  private func keep(_ fd: FileDescriptor, as key: [UInt8]) -> Bool {
    guard directories.count < FakeRoot.maxOpenDirectories else { return false }
    directories[key] = fd
    return true
  }

  /// Creates the mirrored directory of an absolute client path (`CDIR`); returns its local path.
  func makeDirectory(_ clientPath: [UInt8]) throws(Refusal) -> String {
    let parts = try FakeRoot.components(of: clientPath)
    let directory = try openDirectory(parts[...])
    if directory.owned { directory.fd.closeIgnoringErrors() }
    return path + (parts.isEmpty ? "" : "/" + parts.joined(separator: "/"))
  }

  /// Writes one `NAME`+`FILE` entry.
  func writeFile(_ name: [UInt8], _ content: [UInt8]) throws(Refusal) {
    let parts = try FakeRoot.components(of: name)
    guard let last = parts.last else {
      throw Refusal(description: "file name \"/\" has no file part")
    }
    let directory = try openDirectory(parts.dropLast())
    defer { if directory.owned { directory.fd.closeIgnoringErrors() } }
    let dir = directory.fd
    try? dir.removeEntry(last)
    let fd: FileDescriptor
    do throws(PosixError) {
      fd = try dir.open(
        at: last, .writeOnly, options: [.create, .exclusiveCreate, .noFollow],
        permissions: .ownerReadWrite)
    } catch {
      throw Refusal(description: "cannot create \"\(last)\": \(Self.reason(error))")
    }
    defer { fd.closeIgnoringErrors() }
    do throws(PosixError) {
      try fd.writeAll(content, deadline: .never, operation: "write \(last)")
    } catch {
      throw Refusal(description: error.description)
    }
  }

  /// The absolute path a "system directory" link means: a relative target of only `..` components (enough to
  /// leave any root) followed by the link's own path; `nil` for any other target.
  static func systemDirectoryLink(_ parts: [String], target: String) -> String? {
    let targetParts = target.split(separator: "/").filter { $0 != "." }
    let ups = targetParts.prefix { $0 == ".." }.count
    guard ups > parts.count - 1, targetParts.dropFirst(ups).map(String.init) == parts else {
      return nil
    }
    return "/" + parts.joined(separator: "/")
  }

  /// Writes one `NAME`+`LINK` entry.
  func writeLink(_ name: [UInt8], target: [UInt8]) throws(Refusal) {
    let parts = try FakeRoot.components(of: name)
    guard let last = parts.last else {
      throw Refusal(description: "link name \"/\" has no file part")
    }
    guard !target.isEmpty, !target.contains(0) else {
      throw Refusal(description: "empty link target")
    }
    let text = String(decoding: target, as: UTF8.self)
    let resolved: String
    if target.first == UInt8(ascii: "/") {
      resolved = path + "/" + (try FakeRoot.components(of: target)).joined(separator: "/")
    } else if let own = FakeRoot.systemDirectoryLink(parts, target: text) {
      // 3.4's include server links a compiler directory reached through a rewritten path back to the
      // server's own (`<root>/usr/include` -> `../../…/usr/include`): the same path outside the root,
      // which the compiler reads anyway.
      resolved = own
    } else {
      // Only leading `..` components, no more than the link's depth: the target stays inside.
      let targetParts = text.split(separator: "/").filter { $0 != "." }
      let ups = targetParts.prefix { $0 == ".." }.count
      guard ups <= parts.count - 1, !targetParts.dropFirst(ups).contains("..") else {
        throw Refusal(
          description:
            "link \"\(String(decoding: name, as: UTF8.self))\" -> \"\(text)\" leaves the job root")
      }
      resolved = text
    }
    let directory = try openDirectory(parts.dropLast())
    defer { if directory.owned { directory.fd.closeIgnoringErrors() } }
    let dir = directory.fd
    try? dir.removeEntry(last)
    do throws(PosixError) { try dir.makeSymbolicLink(at: last, to: resolved) } catch {
      throw Refusal(description: "cannot create link \"\(last)\": \(Self.reason(error))")
    }
  }

  /// The C library's text for a failed call (`Errno.message`), as the refusals show it.
  private static func reason(_ error: PosixError) -> String {
    error.errno?.message ?? error.description
  }
}
