import Glibc
import SystemPackage

/// The protocol-3 fake root (protocol.md §7.2): client paths mirrored under one private directory.
///
/// Nothing is ever written outside it: every name must be absolute with no `..` component, and is created
/// one component at a time with `openat`/`mkdirat`/`symlinkat` and `O_NOFOLLOW`, so a symlink sent
/// earlier cannot redirect a later write. Absolute link targets get the root prepended; relative ones are
/// kept only when they stay inside the root.
struct FakeRoot {
  /// Absolute path of the root directory (no trailing `/`).
  let path: String

  /// Why a client path was refused.
  struct Refusal: Error, CustomStringConvertible {
    var description: String
  }

  init(path: String) throws(IOFailure) {
    guard mkdir(path, 0o700) == 0 else { throw .system("mkdir \(path)", Errno(rawValue: errno)) }
    self.path = path
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

  /// Creates every directory of `components` under the root; returns an open descriptor of the last one.
  private func openDirectory(_ components: ArraySlice<String>) throws(Refusal) -> Int32 {
    var current = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    guard current >= 0 else {
      throw Refusal(description: "cannot open job root: \(Syscalls.errnoText())")
    }
    for component in components {
      if mkdirat(current, component, 0o700) != 0 && errno != EEXIST {
        let reason = Syscalls.errnoText()
        close(current)
        throw Refusal(description: "cannot create directory \"\(component)\": \(reason)")
      }
      let next = openat(current, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
      let reason = Syscalls.errnoText()
      close(current)
      guard next >= 0 else {
        throw Refusal(description: "cannot enter directory \"\(component)\": \(reason)")
      }
      current = next
    }
    return current
  }

  /// Creates the mirrored directory of an absolute client path (`CDIR`); returns its local path.
  func makeDirectory(_ clientPath: [UInt8]) throws(Refusal) -> String {
    let parts = try FakeRoot.components(of: clientPath)
    close(try openDirectory(parts[...]))
    return path + (parts.isEmpty ? "" : "/" + parts.joined(separator: "/"))
  }

  /// Writes one `NAME`+`FILE` entry.
  func writeFile(_ name: [UInt8], _ content: [UInt8]) throws(Refusal) {
    let parts = try FakeRoot.components(of: name)
    guard let last = parts.last else {
      throw Refusal(description: "file name \"/\" has no file part")
    }
    let dir = try openDirectory(parts.dropLast())
    defer { close(dir) }
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
    let dir = try openDirectory(parts.dropLast())
    defer { close(dir) }
    unlinkat(dir, last, 0)
    guard symlinkat(resolved, dir, last) == 0 else {
      throw Refusal(description: "cannot create link \"\(last)\": \(Syscalls.errnoText())")
    }
  }
}
