import DistPosix
import Synchronization
import SystemPackage

/// A job's private directory `$TMPDIR/distccd_XXXXXX`: the temp files of one job, and for protocol 3 the
/// fake root `root/` the client's files are mirrored into. Removed whole when the job ends.
final class JobDirectory: Sendable {
  let path: String
  let keep: Bool
  /// The names handed out by ``file(_:)``: what the job normally leaves behind.
  private let names = Mutex<[String]>([])
  /// The directory itself, opened at creation: removal unlinks through it, so a compiler that renamed the
  /// directory and left a symbolic link in its place (possible without Landlock) cannot redirect it.
  private let descriptor: FileDescriptor

  init(in temporaryDirectory: String, keep: Bool) throws(PosixError) {
    path = try TemporaryFiles.makeDirectory(in: temporaryDirectory, prefix: "distccd_")
    self.keep = keep
    do throws(PosixError) {
      descriptor = try FileDescriptor.open(path, .readOnly, options: [.directory, .noFollow])
    } catch {
      try? Paths.removeDirectory(path)
      throw error
    }
  }

  deinit { descriptor.closeIgnoringErrors() }

  func file(_ name: String) -> String {
    names.withLock { if !$0.contains(name) { $0.append(name) } }
    return "\(path)/\(name)"
  }

  /// Writes `bytes` to a new file `name` in this directory.
  func write(_ name: String, _ bytes: [UInt8]) throws(PosixError) {
    let path = file(name)
    let fd = try FileDescriptor.open(
      path, .writeOnly, options: [.create, .exclusiveCreate, .noFollow],
      permissions: [.ownerReadWrite],
      operation: "create \(path)")
    defer { fd.closeIgnoringErrors() }
    try fd.writeAll(bytes, deadline: .never, operation: "write \(path)")
  }

  /// Removes the directory and everything in it (unless `DISTCC_SAVE_TEMPS`).
  func remove() {
    guard !keep else { return }
    // The usual case, without reading the directory: the files the job named, then the directory. Anything
    // else (a compiler's leftovers, a protocol-3 root) leaves it non-empty: then the whole tree goes.
    for name in names.withLock({ $0 }) { try? descriptor.removeEntry(name) }
    do throws(PosixError) { try Paths.removeDirectory(path) } catch {
      if error.errno != .noSuchFileOrDirectory { try? TemporaryFiles.removeTree(path) }
    }
  }
}
