import Foundation

/// A fresh directory under /tmp, removed by `remove()`; world-writable so a daemon that dropped
/// privileges can use it.
struct TemporaryDirectory {
  let path: String

  init() throws {
    var template = Array("/tmp/diststate-test-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
    path = String(cString: made)
    chmod(path, 0o777)
  }

  func remove() { try? FileManager.default.removeItem(atPath: path) }

  func write(_ bytes: [UInt8], to name: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path + "/" + name))
  }

  func contents(of name: String) -> [UInt8]? {
    FileManager.default.contents(atPath: path + "/" + name).map { [UInt8]($0) }
  }

  func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path + "/" + name) }

  /// The names in a subdirectory, in `readdir` order.
  func namesInDirectoryOrder(_ name: String) -> [String] {
    guard let stream = opendir(path + "/" + name) else { return [] }
    defer { closedir(stream) }
    var names: [String] = []
    while let entry = readdir(stream) {
      names.append(
        withUnsafeBytes(of: &entry.pointee.d_name) {
          String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
        })
    }
    return names
  }

  /// Sets a file's modification time `seconds` into the past.
  func age(_ name: String, by seconds: Int) {
    let then = timespec(tv_sec: time(nil) - seconds, tv_nsec: 0)
    let times = [then, then]
    utimensat(AT_FDCWD, path + "/" + name, times, 0)
  }
}
