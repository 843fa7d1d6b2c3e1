import CompilerIdentity
import DistPosix
import HostSpec

/// Hosts paused for one compiler: after a host refused our compiler's identity or replied with another
/// compiler's object, jobs with that compiler skip it for `DISTCC_MISMATCH_PERIOD` seconds, while jobs with
/// other compilers still go there (``CompilerMismatch`` files in `$DISTCC_DIR/caps`). Unlike a backoff,
/// the host is healthy: nothing else about it changes.
struct CompilerPauses: Sendable {
  /// `$DISTCC_DIR/caps`.
  var directory: String
  /// Seconds a pause lasts.
  var period: Int

  init?(configuration: ClientConfiguration) {
    guard configuration.mismatchPeriod > 0, let directory = configuration.extensionsDirectory else {
      return nil
    }
    self.directory = directory
    period = configuration.mismatchPeriod
  }

  private func path(_ host: HostEntry, _ client: CompilerIdentity) -> String {
    directory + "/" + CompilerMismatch.fileName(hostStem: host.fileNameStem, client: client)
  }

  /// Whether any pause is still in force (one directory read, and a `stat` of each record), so that a job
  /// computes its compiler's identity for the host choice only when one might apply. Records whose period
  /// has ended are removed on the way, so one old mismatch does not cost every later job.
  var anyRecorded: Bool {
    var inForce = false
    for name in (try? Directory.entries(directory)) ?? [] where name.hasPrefix("mismatch_") {
      let record = directory + "/" + name
      guard let status = try? FileStatus(record, followLinks: false) else { continue }
      if WallClock.seconds - status.modificationSeconds < period {
        inForce = true
      } else {
        try? Paths.remove(record)
      }
    }
    return inForce
  }

  /// Whether `host` is paused for the compiler `client`.
  func isPaused(_ host: HostEntry, for client: CompilerIdentity) -> Bool {
    guard let status = try? FileStatus(path(host, client)) else { return false }
    return WallClock.seconds - status.modificationSeconds < period
  }

  /// The pauses in force on `host`, with the seconds left of each, in file-name order.
  func active(on host: HostEntry) -> [(mismatch: CompilerMismatch, secondsLeft: Int)] {
    let prefix = "mismatch_\(host.fileNameStem)_"
    return ((try? Directory.entries(directory)) ?? []).filter { $0.hasPrefix(prefix) }.sorted()
      .compactMap { CompilerMismatch.read(directory + "/" + $0) }
      .compactMap { mismatch in
        let left = period - (WallClock.seconds - mismatch.seen)
        return left > 0 ? (mismatch, left) : nil
      }
  }

  /// Pauses `host` for `mismatch.client`, from now.
  func record(_ mismatch: CompilerMismatch, host: HostEntry) {
    guard host.kind != .localhost else { return }
    _ = try? Paths.makeDirectory(directory, permissions: .init(rawValue: 0o777))
    mismatch.write(to: path(host, mismatch.client))
  }
}
