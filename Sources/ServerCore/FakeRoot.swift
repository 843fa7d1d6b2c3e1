import Glibc
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
  private var directories: [[UInt8]: Int32] = [:]
  /// The most directories kept open at once.
  static let maxOpenDirectories = 64

  /// Why a client path was refused.
  struct Refusal: Error, CustomStringConvertible {
    var description: String
  }

  init(path: String) throws(IOFailure) {
    guard mkdir(path, 0o700) == 0 else { throw .system("mkdir \(path)", Errno(rawValue: errno)) }
    self.path = path
  }

  deinit {
    for fd in directories.values { close(fd) }
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
    fd: Int32, owned: Bool
  ) {
    // Start from the deepest directory already open.
    var depth = components.count
    var current: Int32 = -1
    while depth >= 0 {
      if let fd = directories[Self.key(components.prefix(depth))] {
        current = fd
        break
      }
      depth -= 1
    }
    var owned = false
    if current < 0 {
      depth = 0
      current = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
      guard current >= 0 else {
        throw Refusal(description: "cannot open job root: \(Syscalls.errnoText())")
      }
      owned = !keep(current, as: [])
    }
    for (offset, component) in components.dropFirst(depth).enumerated() {
      if mkdirat(current, component, 0o700) != 0 && errno != EEXIST {
        let reason = Syscalls.errnoText()
        if owned { close(current) }
        throw Refusal(description: "cannot create directory \"\(component)\": \(reason)")
      }
      let next = openat(current, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
      let reason = Syscalls.errnoText()
      if owned { close(current) }
      guard next >= 0 else {
        throw Refusal(description: "cannot enter directory \"\(component)\": \(reason)")
      }
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
  private func keep(_ fd: Int32, as key: [UInt8]) -> Bool {
    guard directories.count < FakeRoot.maxOpenDirectories else { return false }
    directories[key] = fd
    return true
  }

  /// Creates the mirrored directory of an absolute client path (`CDIR`); returns its local path.
  func makeDirectory(_ clientPath: [UInt8]) throws(Refusal) -> String {
    let parts = try FakeRoot.components(of: clientPath)
    let directory = try openDirectory(parts[...])
    if directory.owned { close(directory.fd) }
    return path + (parts.isEmpty ? "" : "/" + parts.joined(separator: "/"))
  }

  /// Writes one `NAME`+`FILE` entry.
  func writeFile(_ name: [UInt8], _ content: [UInt8]) throws(Refusal) {
    let parts = try FakeRoot.components(of: name)
    guard let last = parts.last else {
      throw Refusal(description: "file name \"/\" has no file part")
    }
    let directory = try openDirectory(parts.dropLast())
    defer { if directory.owned { close(directory.fd) } }
    let dir = directory.fd
    unlinkat(dir, last, 0)
    let fd = openat(dir, last, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
    guard fd >= 0 else {
      throw Refusal(description: "cannot create \"\(last)\": \(Syscalls.errnoText())")
    }
    defer { close(fd) }
    do { try JobDirectory.writeAll(fd, content, what: last) } catch {
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
    defer { if directory.owned { close(directory.fd) } }
    let dir = directory.fd
    unlinkat(dir, last, 0)
    guard symlinkat(resolved, dir, last) == 0 else {
      throw Refusal(description: "cannot create link \"\(last)\": \(Syscalls.errnoText())")
    }
  }
}
