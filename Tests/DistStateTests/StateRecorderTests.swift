import DistState
import Foundation
import Testing

@Suite struct StateRecorderTests {
  @Test func writesWhatEachMomentOf34Writes() throws {
    let temporary = try TemporaryDirectory()
    defer { temporary.remove() }
    let directory = StateDirectory(distccDirectory: temporary.path)
    var recorder = StateRecorder(file: StateFile(directory: directory, pid: 4321))
    func current() throws -> StateRecord {
      try StateRecord(decoding: temporary.contents(of: "state/binstate_4321") ?? [])
    }

    // cpp slot acquired: local record, empty file name (client.md §12.4).
    recorder.setSlot(1, for: .local)
    try recorder.note(.preprocess, source: nil, host: Array("localhost".utf8), for: .local)
    #expect(
      try current()
        == StateRecord(pid: 4321, file: "", host: "localhost", slot: 1, phase: .preprocess))

    // Remote attempt begins, then sends: the remote record, basename of the input.
    recorder.setSlot(2, for: .remote)
    try recorder.note(
      .connect, source: Array("src/lib/x.c".utf8), host: Array("red".utf8), for: .remote)
    #expect(
      try current() == StateRecord(pid: 4321, file: "x.c", host: "red", slot: 2, phase: .connect))
    try recorder.note(.send, source: nil, host: nil, for: .remote)
    #expect(
      try current() == StateRecord(pid: 4321, file: "x.c", host: "red", slot: 2, phase: .send))

    // Waiting for the preprocessor: the local record again, unchanged but for its phase.
    try recorder.note(.preprocess, source: nil, host: nil, for: .local)
    #expect(
      try current()
        == StateRecord(pid: 4321, file: "", host: "localhost", slot: 1, phase: .preprocess))

    try recorder.note(.compile, source: nil, host: Array("red".utf8), for: .remote)
    try recorder.note(.receive, source: nil, host: nil, for: .remote)
    #expect(
      try current() == StateRecord(pid: 4321, file: "x.c", host: "red", slot: 2, phase: .receive))
    #expect(recorder.record(for: .local).phase == .preprocess)

    try recorder.remove()
    #expect(!temporary.exists("state/binstate_4321"))
    try recorder.remove()  // a missing file is not an error
  }

  @Test(arguments: [
    ("dir/sub/a.c", "a.c"), ("a.c", "a.c"), ("/abs/b.cpp", "b.cpp"), ("trailing/", "trailing/"),
    ("/", "/"),
  ])
  func keepsTheBasenameAs34Does(source: String, stored: String) throws {
    let temporary = try TemporaryDirectory()
    defer { temporary.remove() }
    var recorder = StateRecorder(
      file: StateFile(directory: StateDirectory(distccDirectory: temporary.path), pid: 5))
    try recorder.note(
      .compile, source: Array(source.utf8), host: Array("localhost".utf8), for: .local)
    #expect(recorder.record(for: .local).fileName == stored)
  }

  @Test func rewritesTheFileInPlaceWithExactly296Bytes() throws {
    let temporary = try TemporaryDirectory()
    defer { temporary.remove() }
    let file = StateFile(directory: StateDirectory(distccDirectory: temporary.path), pid: 77)
    try file.write(
      StateRecord(
        pid: 77, file: String(repeating: "l", count: 200), host: "h", slot: 0, phase: .send))
    try file.write(StateRecord(pid: 77, file: "s.c", host: "h", slot: 0, phase: .compile))
    let bytes = try #require(temporary.contents(of: "state/binstate_77"))
    #expect(bytes.count == 296)
    #expect(try StateRecord(decoding: bytes).fileName == "s.c")
    #expect(file.path == temporary.path + "/state/binstate_77")
  }

  @Test func failsWhenDistccDirDoesNotExist() throws {
    let temporary = try TemporaryDirectory()
    defer { temporary.remove() }
    let missing = temporary.path + "/missing"
    let file = StateFile(directory: StateDirectory(distccDirectory: missing), pid: 1)
    #expect(
      throws: DistStateError.system(operation: "mkdir", path: missing + "/state", errno: ENOENT)
    ) {
      try file.write(StateRecord(pid: 1, file: "a.c", host: "h", slot: 0, phase: .send))
    }
    #expect(!temporary.exists("missing"))
  }

  @Test func createsHomeDistccDirectoryInTheDefaultCase() throws {
    let temporary = try TemporaryDirectory()
    defer { temporary.remove() }
    let directory = try StateDirectory(environment: ["HOME": temporary.path])
    try StateFile(directory: directory, pid: 3).write(
      StateRecord(pid: 3, file: "", host: "", slot: 0, phase: .send))
    #expect(temporary.exists(".distcc/state/binstate_3"))
  }

  @Test(arguments: [
    (["DISTCC_DIR": "/d", "HOME": "/h"], "/d/state", false),
    (["HOME": "/h"], "/h/.distcc/state", true),
    (["DISTCC_DIR": ""], "/state", false),
  ])
  func findsTheStateDirectoryAs34Does(environment: [String: String], path: String, creates: Bool)
    throws
  {
    let directory = try StateDirectory(environment: environment)
    #expect(directory.path == path)
    #expect(directory.createsDistccDirectory == creates)
  }

  @Test func needsHomeOrDistccDir() {
    #expect(throws: DistStateError.homeNotSet) { try StateDirectory(environment: [:]) }
  }
}
