import DistPosix
import DistState

/// The job's monitor state file, `$DISTCC_DIR/state/binstate_<pid>`, written as 3.4 writes it
/// (client.md §12.4) through `DistState`'s recorder. Failures to write are ignored, as in 3.4.
struct JobState {
  private var recorder: StateRecorder?
  private var directoryReady = false
  private let directory: StateDirectory?
  /// Where the job's time went, phase by phase (the async API's `CompileTimings`).
  private(set) var timings = CompileTimings()
  private var clock: (phase: CompileTimings.Phase, since: Int)?

  init(configuration: ClientConfiguration) {
    if let top = configuration.distccDirectory {
      let directory = StateDirectory(distccDirectory: top)
      self.directory = directory
      recorder = StateRecorder(file: StateFile(directory: directory, pid: CurrentProcess.id))
    } else {
      directory = nil
      recorder = nil
    }
  }

  /// Records `phase` in the local or remote record; `nil` fields keep their previous value.
  mutating func note(
    _ phase: Phase, _ target: StateRecorder.Target, source: String? = nil, host: String? = nil,
    slot: Int? = nil
  ) {
    enter(CompileTimings.Phase(phase, target))
    guard recorder != nil else { return }
    if !directoryReady {
      directoryReady = true
      // No state file where `$DISTCC_DIR` is refused (the lock directory's check says why, once).
      guard let top = directory?.distccDirectory, (try? DistccDirectory.prepare(top)) != nil else {
        recorder = nil
        return
      }
      try? directory?.create()
    }
    if let slot { recorder?.setSlot(Int32(clamping: slot), for: target) }
    try? recorder?.note(
      phase, source: source.map { Array($0.utf8) }, host: host.map { Array($0.utf8) }, for: target)
  }

  /// Starts timing `phase` (nil: nothing more), closing the phase timed so far.
  mutating func enter(_ phase: CompileTimings.Phase?) {
    let now = SmallFile.monotonicMilliseconds()
    if let clock { timings.add(now - clock.since, to: clock.phase) }
    clock = phase.map { ($0, now) }
  }

  /// Deletes the state file (at the end of the job).
  func remove() {
    guard directoryReady else { return }
    try? recorder?.remove()
  }
}
