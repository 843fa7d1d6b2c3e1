import DistPosix
import Synchronization

/// Jobs in flight: their directories and, while one runs, their compiler's process group. A daemon that
/// stops before they finish (SIGINT, SIGHUP, `--lifetime`, or SIGTERM after its grace period) kills the
/// compilers and removes the directories instead of leaving them behind.
final class ActiveJobs: Sendable {
  private struct Entry: Sendable {
    let directory: JobDirectory
    var processGroup: Int32?
  }

  private let state = Mutex<(next: Int, entries: [Int: Entry], abandoned: Bool)>((0, [:], false))

  /// Registers a job's directory; returns the job's key.
  func add(_ directory: JobDirectory) -> Int {
    state.withLock { state in
      state.next += 1
      state.entries[state.next] = Entry(directory: directory)
      return state.next
    }
  }

  /// Records (or, with `nil`, clears) the process group of the job's running compiler. A compiler that
  /// started after ``abandonAll()`` ran (the daemon stopping while the job was spawning it) is killed here,
  /// so no stop can miss a compiler that was starting at that instant.
  func setCompiler(_ key: Int, processGroup: Int32?) {
    let abandoned = state.withLock { state in
      guard !state.abandoned else { return true }
      state.entries[key]?.processGroup = processGroup
      return false
    }
    if abandoned, let processGroup { Signals.sendToGroup(processGroup, Signals.kill) }
  }

  func remove(_ key: Int) {
    _ = state.withLock { $0.entries.removeValue(forKey: key) }
  }

  var count: Int { state.withLock { $0.entries.count } }

  /// SIGKILLs every running compiler's process group and removes every job directory; returns how many
  /// jobs there were. The jobs' own threads find their compiler dead and their files gone.
  func abandonAll() -> Int {
    let entries = state.withLock { state in
      defer {
        state.entries = [:]
        state.abandoned = true
      }
      return Array(state.entries.values)
    }
    for entry in entries {
      if let group = entry.processGroup { Signals.sendToGroup(group, Signals.kill) }
    }
    for entry in entries { entry.directory.remove() }
    return entries.count
  }
}
