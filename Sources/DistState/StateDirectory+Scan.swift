import DistPosix
import SystemPackage

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
    let names: [String]
    do throws(PosixError) { names = try Directory.entries(path) } catch {
      throw .system(operation: "opendir", path: path, errno: error.errno?.rawValue ?? 0)
    }
    let now = now ?? WallClock.seconds
    var scan = StateScan()
    for name in names {
      guard name.hasPrefix(StateFile.namePrefix) else { continue }
      scan.events.append(.processing(path: path + "/" + name))
      readFile(path + "/" + name, now: now, into: &scan)
    }
    return scan
  }

  private func readFile(_ path: String, now: Int, into scan: inout StateScan) {
    let descriptor: FileDescriptor
    do throws(PosixError) { descriptor = try FileDescriptor.open(path, .readOnly) } catch {
      if error.errno == .noSuchFileOrDirectory {
        scan.events.append(.vanished(path: path))
      } else {
        scan.warn(.cannotOpen(path: path, errno: Self.code(error)))
      }
      return
    }
    defer { descriptor.closeIgnoringErrors() }

    let status: FileStatus
    do throws(PosixError) { status = try FileStatus(descriptor) } catch {
      scan.warn(.cannotStat(path: path, errno: Self.code(error)))
      return
    }
    if now - status.modificationSeconds > Self.staleAge {
      scan.events.append(.removingStale(path: path))
      do throws(PosixError) {
        try Paths.remove(path)
        scan.removedStaleFiles.append(path)
      } catch {
        scan.warn(.cannotRemoveStale(path: path, errno: Self.code(error)))
      }
      return
    }

    let bytes: [UInt8]
    do throws(PosixError) {
      bytes = try descriptor.readSome(upTo: StateRecord.size, deadline: .never)
    } catch {
      scan.events.append(.readFailed(path: path, errno: Self.code(error)))
      return
    }
    guard !bytes.isEmpty else {
      scan.incompleteFiles.append(path)
      return
    }
    let record: StateRecord
    do {
      record = try StateRecord(decoding: bytes[...])
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
      do throws(PosixError) {
        if try !Signals.processExists(Int32(truncatingIfNeeded: record.pid)) {
          scan.orphans.append(record)
          return
        }
      } catch {
        scan.warn(.cannotCheckProcess(pid: record.pid, errno: Self.code(error)))
        return
      }
    }
    scan.insertSorted(record)
  }

  /// The error number of a failed call, for the warnings that carry one.
  private static func code(_ error: PosixError) -> Int32 { error.errno?.rawValue ?? 0 }
}
