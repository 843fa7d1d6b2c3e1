import DistPosix
import SystemPackage

/// `--pid-file`: written by the serving process before it reports ready, removed when it stops.
struct PidFile {
  let path: String

  /// Writes this process's pid; a failure is a warning, as in 3.4.
  func write() {
    do {
      let fd = try FileDescriptor.open(
        path, .writeOnly, options: [.create, .truncate, .closeOnExec],
        permissions: [.ownerReadWrite, .groupRead, .otherRead])
      defer { fd.closeIgnoringErrors() }
      _ = try fd.writeAll(Array("\(CurrentProcess.id)\n".utf8))
    } catch {
      DaemonMessages.warn("failed to write pid file \(path): \(error)")
    }
  }

  /// Removes the file; a failure is a warning.
  func remove() {
    do throws(PosixError) { try Paths.remove(path) } catch {
      DaemonMessages.warn(
        "failed to remove pid file \(path): \(error.errno?.message ?? error.description)")
    }
  }
}
