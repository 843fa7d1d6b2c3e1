internal import Glibc

extension StateDirectory {
  /// A state file unchanged for longer than this many seconds is deleted by a scan (`dcc_phase_max_age`).
  public static let staleAge = 60

  /// Reads every `binstate_*` file once, applying 3.4's monitor rules (`monitor.md` §3): vanished files
  /// are skipped; files unchanged for more than 60 s are deleted; empty, short, wrong-magic and wrong-size
  /// files are skipped; records whose client is gone (`kill(pid, 0)` fails with `ESRCH`) are skipped but
  /// left in place, unless their phase is `done`.
  ///
  /// The state directory is created first, as 3.4's monitor does.
  /// - Parameter now: the current time in seconds since the epoch; `nil` reads the clock.
  /// - Throws: `DistStateError.system` naming `mkdir` or `opendir` when the directory is unusable.
  public func scan(now: Int? = nil) throws(DistStateError) -> StateScan {
    try create()
    let path = self.path
    guard let stream = opendir(path) else {
      throw .system(operation: "opendir", path: path, errno: errno)
    }
    defer { closedir(stream) }
    let now = now ?? time(nil)
    var scan = StateScan()
    while let entry = readdir(stream) {
      let name = withUnsafeBytes(of: &entry.pointee.d_name) { buffer in
        String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
      }
      guard name.hasPrefix(StateFile.namePrefix) else { continue }
      scan.events.append(.processing(path: path + "/" + name))
      readFile(path + "/" + name, now: now, into: &scan)
    }
    return scan
  }

  private func readFile(_ path: String, now: Int, into scan: inout StateScan) {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else {
      if errno == ENOENT {
        scan.events.append(.vanished(path: path))
      } else {
        scan.warn(.cannotOpen(path: path, errno: errno))
      }
      return
    }
    defer { close(descriptor) }

    var status = stat()
    guard fstat(descriptor, &status) == 0 else {
      scan.warn(.cannotStat(path: path, errno: errno))
      return
    }
    if now - status.st_mtim.tv_sec > Self.staleAge {
      scan.events.append(.removingStale(path: path))
      if unlink(path) == 0 {
        scan.removedStaleFiles.append(path)
      } else {
        scan.warn(.cannotRemoveStale(path: path, errno: errno))
      }
      return
    }

    var bytes = [UInt8](repeating: 0, count: StateRecord.size)
    let count = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
    guard count > 0 else {
      if count == 0 {
        scan.incompleteFiles.append(path)
      } else {
        scan.events.append(.readFailed(path: path, errno: errno))
      }
      return
    }
    let record: StateRecord
    do {
      record = try StateRecord(decoding: bytes[..<count])
    } catch .wrongMagic {
      scan.warn(.wrongMagic(path: path))
      return
    } catch .wrongStructureSize {
      scan.warn(.wrongStructureSize(path: path))
      return
    } catch {
      // Short: the client is rewriting it.
      scan.incompleteFiles.append(path)
      scan.events.append(.shortRead(path: path))
      return
    }

    if record.phase != .done {
      if kill(pid_t(truncatingIfNeeded: record.pid), 0) != 0 && errno != EPERM {
        if errno == ESRCH {
          scan.orphans.append(record)
        } else {
          scan.warn(.cannotCheckProcess(pid: record.pid, errno: errno))
        }
        return
      }
    }
    scan.insertSorted(record)
  }
}
