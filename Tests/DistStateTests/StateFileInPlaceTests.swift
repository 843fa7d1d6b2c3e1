import DistState
import Foundation
import Testing

/// The recorder keeps its state file open and overwrites the record in place: one inode, always 296 bytes,
/// never truncated between phases.
@Suite struct StateFileInPlaceTests {
  /// One note and the record the file must hold after it.
  struct Step: Sendable, CustomStringConvertible {
    var phase: Phase
    var target: StateRecorder.Target
    var source: String?
    var host: String?
    var expected: StateRecord

    var description: String { "\(phase.name) \(target)" }
  }

  static let pid: Int32 = 6543
  static func record(_ file: String, _ host: String, _ slot: Int32, _ phase: Phase) -> StateRecord {
    StateRecord(pid: Int64(pid), file: file, host: host, slot: slot, phase: phase)
  }

  /// Every phase, alternating between the two records as a job does.
  static let steps: [Step] = [
    Step(
      phase: .startup, target: .local, source: nil, host: nil, expected: record("", "", 0, .startup)
    ),
    Step(
      phase: .blocked, target: .local, source: "dir/a.c", host: "localhost",
      expected: record("a.c", "localhost", 0, .blocked)),
    Step(
      phase: .preprocess, target: .local, source: nil, host: nil,
      expected: record("a.c", "localhost", 0, .preprocess)),
    Step(
      phase: .connect, target: .remote, source: "dir/a.c", host: String(repeating: "h", count: 200),
      expected: record("a.c", String(repeating: "h", count: 127), 0, .connect)),
    Step(
      phase: .send, target: .remote, source: nil, host: "b", expected: record("a.c", "b", 0, .send)),
    Step(
      phase: .compile, target: .remote, source: nil, host: nil,
      expected: record("a.c", "b", 0, .compile)
    ),
    Step(
      phase: .receive, target: .remote, source: nil, host: nil,
      expected: record("a.c", "b", 0, .receive)
    ),
    Step(
      phase: .done, target: .local, source: "x", host: nil,
      expected: record("x", "localhost", 0, .done)),
  ]

  @Test func everyPhaseOverwritesTheSameInodeWithItsRecord() throws {
    let temporary = try TemporaryDirectory()
    defer { temporary.remove() }
    var recorder = StateRecorder(
      file: StateFile(directory: StateDirectory(distccDirectory: temporary.path), pid: Self.pid))
    let path = recorder.file.path
    var inode: ino_t?
    for step in Self.steps {
      try recorder.note(
        step.phase, source: step.source.map { Array($0.utf8) },
        host: step.host.map { Array($0.utf8) },
        for: step.target)
      let info = try #require(Self.status(of: path), "\(step)")
      #expect(info.st_size == 296, "\(step)")
      if let inode { #expect(info.st_ino == inode, "\(step): the file was replaced") }
      inode = info.st_ino
      #expect(
        try StateRecord(decoding: temporary.contents(of: "state/binstate_\(Self.pid)") ?? [])
          == step.expected,
        "\(step)")
    }
    try recorder.remove()
    #expect(!temporary.exists("state/binstate_\(Self.pid)"))
  }

  /// A leftover file of the same name (a crashed client whose pid came round again): kept as an inode,
  /// cut to one record if longer, and holding exactly the new record after the first note.
  @Test(arguments: [0, 5, 296, 4096])
  func aStaleFileIsReusedAndCutToOneRecord(staleLength: Int) throws {
    let temporary = try TemporaryDirectory()
    defer { temporary.remove() }
    try FileManager.default.createDirectory(
      atPath: temporary.path + "/state", withIntermediateDirectories: false)
    try temporary.write([UInt8](repeating: 0xA5, count: staleLength), to: "state/binstate_9")
    let staleInode = try #require(Self.status(of: temporary.path + "/state/binstate_9")).st_ino
    var recorder = StateRecorder(
      file: StateFile(directory: StateDirectory(distccDirectory: temporary.path), pid: 9))
    try recorder.note(.preprocess, source: nil, host: Array("localhost".utf8), for: .local)
    let info = try #require(Self.status(of: recorder.file.path))
    #expect(info.st_ino == staleInode)
    let bytes = temporary.contents(of: "state/binstate_9") ?? []
    #expect(bytes.count == 296)
    #expect(
      try StateRecord(decoding: bytes)
        == StateRecord(pid: 9, file: "", host: "localhost", slot: 0, phase: .preprocess))
  }

  @Test func aNewFileHasMode0666LessTheUmask() throws {
    let temporary = try TemporaryDirectory()
    defer { temporary.remove() }
    var recorder = StateRecorder(
      file: StateFile(directory: StateDirectory(distccDirectory: temporary.path), pid: 10))
    try recorder.note(.connect, source: nil, host: nil, for: .remote)
    let info = try #require(Self.status(of: recorder.file.path))
    #expect(info.st_mode & 0o777 == 0o666 & ~(try Self.umask()))
  }

  /// Two jobs of one process (a build tool embedding the client) share `binstate_<pid>`: when one ends and
  /// removes it, the other's next note creates it again, so monitors keep seeing the live job.
  @Test func anotherJobRemovingTheSharedFileDoesNotHideThisOne() throws {
    let temporary = try TemporaryDirectory()
    defer { temporary.remove() }
    let file = StateFile(directory: StateDirectory(distccDirectory: temporary.path), pid: 12)
    var finished = StateRecorder(file: file)
    var running = StateRecorder(file: file)
    try finished.note(.compile, source: Array("a.c".utf8), host: Array("h".utf8), for: .remote)
    try running.note(.compile, source: Array("b.c".utf8), host: Array("h".utf8), for: .remote)
    try finished.remove()
    #expect(!temporary.exists("state/binstate_12"))
    try running.note(.receive, source: nil, host: nil, for: .remote)
    #expect(
      try StateRecord(decoding: temporary.contents(of: "state/binstate_12") ?? [])
        == StateRecord(pid: 12, file: "b.c", host: "h", slot: 0, phase: .receive))
  }

  /// One descriptor however often the recorder is copied, open while a copy lives, closed after.
  @Test func copiesShareOneDescriptorClosedWithTheLastCopy() throws {
    let temporary = try TemporaryDirectory()
    defer { temporary.remove() }
    let file = StateFile(directory: StateDirectory(distccDirectory: temporary.path), pid: 11)
    do {
      var recorder = StateRecorder(file: file)
      #expect(Self.descriptors(of: file.path) == 0, "nothing is opened before the first note")
      try recorder.note(.preprocess, source: nil, host: nil, for: .local)
      var copy = recorder
      try copy.note(.send, source: nil, host: nil, for: .remote)
      try recorder.note(.compile, source: nil, host: nil, for: .remote)
      withExtendedLifetime((recorder, copy)) {
        #expect(Self.descriptors(of: file.path) == 1)
      }
      #expect(
        try StateRecord(decoding: temporary.contents(of: "state/binstate_11") ?? []).phase
          == .compile)
    }
    #expect(Self.descriptors(of: file.path) == 0)
  }

  static func status(of path: String) -> stat? {
    var info = stat()
    return stat(path, &info) == 0 ? info : nil
  }

  /// This process's umask, read without changing it (`umask(2)` would, for every thread).
  static func umask() throws -> mode_t {
    let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
    let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("Umask:") })
    return try #require(
      mode_t(line.dropFirst("Umask:".count).trimmingCharacters(in: .whitespaces), radix: 8))
  }

  /// How many of this process's descriptors are open on `path`.
  static func descriptors(of path: String) -> Int {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    return entries.filter {
      (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + $0)) == path
    }.count
  }
}
