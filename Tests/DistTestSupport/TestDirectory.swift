import DistPosix
import Glibc

/// A temporary directory for one test, removed (with everything in it) when the value is released.
public final class TestDirectory: @unchecked Sendable {  // immutable after init
  /// The directory's absolute path.
  public let path: String

  /// Creates `/tmp/<prefix>XXXXXX` (or under `$TMPDIR` of the test process).
  public init(prefix: String = "swift-distcc-test-") throws {
    let base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
    path = try TemporaryFiles.makeDirectory(in: base, prefix: prefix)
  }

  deinit { try? TemporaryFiles.removeTree(path) }

  /// `path/name`.
  public func appending(_ name: String) -> String { "\(path)/\(name)" }

  /// Writes `text` to `path/name`, creating parent directories, and returns the file's path.
  @discardableResult
  public func write(_ name: String, _ text: String, mode: UInt32 = 0o644) throws -> String {
    try write(name, bytes: Array(text.utf8), mode: mode)
  }

  /// Writes `bytes` to `path/name`, creating parent directories, and returns the file's path.
  @discardableResult
  public func write(_ name: String, bytes: [UInt8], mode: UInt32 = 0o644) throws -> String {
    let full = appending(name)
    try makeDirectories(String(full[..<full.lastIndex(of: "/")!]))
    try FileContents.writeAtomically(bytes, to: full, mode: mode)
    return full
  }

  /// Reads `path/name` (or an absolute path).
  public func read(_ name: String) throws -> [UInt8] {
    try FileContents.read(name.hasPrefix("/") ? name : appending(name))
  }

  /// Whether `path/name` (or an absolute path) exists.
  public func exists(_ name: String) -> Bool {
    access(name.hasPrefix("/") ? name : appending(name), F_OK) == 0
  }

  /// Names in `path/name` (or an absolute directory), sorted; empty if it does not exist.
  public func list(_ name: String = "") -> [String] {
    let full = name.isEmpty ? path : (name.hasPrefix("/") ? name : appending(name))
    guard let directory = opendir(full) else { return [] }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
      let child = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      if child != "." && child != ".." { names.append(child) }
    }
    return names.sorted()
  }

  /// Creates `directory` (absolute, or relative to this test directory) and its missing parents.
  public func makeDirectories(_ directory: String) throws {
    let full = directory.hasPrefix("/") ? directory : appending(directory)
    var current = ""
    for part in full.split(separator: "/") {
      current += "/" + part
      if mkdir(current, 0o755) != 0 && errno != EEXIST {
        throw PosixError.system(operation: "mkdir \(current)", errno: .init(rawValue: errno))
      }
    }
  }

  /// How many of this process's descriptors are unnamed (`O_TMPFILE`) files in this directory: their
  /// `/proc/self/fd` links read `PATH/#INODE (deleted)`.
  public var unnamedFilesOpen: Int {
    list("/proc/self/fd").filter { name in
      guard let target = try? SymbolicLink.target(of: "/proc/self/fd/" + name) else { return false }
      return target.hasPrefix(path + "/#")
    }.count
  }
}
