/// Keeps a client's state file current the way 3.4's client does (`dcc_note_state`, `client.md` §12.4).
///
/// 3.4 keeps two records, one for local work (preprocessing, local compiles) and one for the remote
/// attempt, and writes whichever it just changed, so the file shows the latest activity. A `file` or `host`
/// passed as `nil` keeps the record's previous value; a slot is set separately, before the phase that uses it.
///
/// The first note opens the file and the recorder keeps it open for its life (copies share the descriptor;
/// the last one to go closes it); every note overwrites the 296-byte record in place with one `pwrite`.
/// Unlike 3.4 it never truncates the file, which on ext4 mounted with `discard` cost a synchronous discard
/// per note (`StateFile`). `remove()` unlinks the file as 3.4 does at exit; a later note is not seen by
/// monitors.
///
/// ```swift
/// var recorder = StateRecorder(file: StateFile(directory: directory, pid: getpid()))
/// recorder.setSlot(0, for: .local)
/// try recorder.note(.preprocess, source: nil, host: Array("localhost".utf8), for: .local)
/// ```
public struct StateRecorder: Sendable {
  /// Which of the two records a note changes.
  public enum Target: Sendable, Hashable {
    /// Local work: preprocessing and local compiles (host `localhost`).
    case local
    /// The remote attempt.
    case remote
  }

  /// The file written on every note.
  public let file: StateFile
  private var local: StateRecord
  private var remote: StateRecord
  /// The open file, from the first successful note on.
  private var writer: StateFile.Writer?

  /// A recorder writing `file`; both records start empty, at slot 0.
  public init(file: StateFile) {
    self.file = file
    let empty = StateRecord(pid: Int64(file.pid), file: [], host: [], slot: 0, phase: .startup)
    local = empty
    remote = empty
  }

  /// The record of `target` as it was last written (or would be written next).
  public func record(for target: Target) -> StateRecord {
    switch target {
    case .local: local
    case .remote: remote
    }
  }

  /// Sets the slot of `target` without writing the file (`dcc_note_state_slot`).
  public mutating func setSlot(_ slot: Int32, for target: Target) {
    update(target) { $0.slot = slot }
  }

  /// Sets the phase of `target` and, when given, its file (the basename of `source` is kept, as
  /// `dcc_find_basename` finds it) and host, then overwrites the state file with that record (opening it,
  /// and creating it and its directory if need be, on the first note).
  /// - Throws: `DistStateError.system` if the file cannot be opened or written; the record is updated
  ///   anyway, and the next note tries again.
  public mutating func note(
    _ phase: Phase, source: [UInt8]?, host: [UInt8]?, for target: Target
  ) throws(DistStateError) {
    update(target) { record in
      record.phase = phase
      if let source { record.file = Self.basename(of: source) }
      if let host { record.host = host }
    }
    // A build tool running several jobs in one process shares binstate_<pid>: when another job removed it,
    // open it anew, as 3.4's open-per-note would.
    if writer == nil || writer?.isUnlinked == true { writer = try StateFile.Writer(file) }
    try writer?.write(record(for: target))
  }

  /// Deletes the state file, as the 3.4 client does at exit.
  public func remove() throws(DistStateError) {
    try file.remove()
  }

  private mutating func update(_ target: Target, _ change: (inout StateRecord) -> Void) {
    switch target {
    case .local: change(&local)
    case .remote: change(&remote)
    }
  }

  /// 3.4's `dcc_find_basename`: the text after the last `/`, or the whole path if it ends in `/`.
  static func basename(of path: [UInt8]) -> [UInt8] {
    guard let slash = path.lastIndex(of: UInt8(ascii: "/")), slash + 1 < path.endIndex else {
      return path
    }
    return Array(path[(slash + 1)...])
  }
}
