import DistState
import DistTestSupport
import Foundation
import Testing

/// State files written by Debian's distcc 3.4 client during a real compile on a real 3.4 daemon.
@Suite(.enabled(if: BlockingCompileFarm.isInstalled, "needs /usr/bin/distcc and /usr/bin/distccd"))
struct RealClientTests {
  @Test func decodesTheFilesOf34DuringARealCompile() throws {
    let farm = try BlockingCompileFarm()
    let client = try farm.startCompile()
    let pid = Int64(client.pid)
    let state = StateDirectory(distccDirectory: farm.distccDirectory)
    let file = StateFile(directory: state, pid: client.pid)

    // Blocked in the preprocessor: the local record, with 3.4's empty file name.
    try farm.waitForStage("cpp")
    let preprocessing = try farm.waitForRecord(in: file) { $0.phase == .preprocess }
    #expect(
      preprocessing
        == StateRecord(pid: pid, file: "", host: "localhost", slot: 0, phase: .preprocess))
    #expect(try state.scan().records == [preprocessing])
    try farm.release("cpp")

    // Blocked in the daemon's compiler: the remote record.
    try farm.waitForStage("cc")
    let compiling = try farm.waitForRecord(in: file) { $0.phase == .compile }
    #expect(
      compiling
        == StateRecord(pid: pid, file: "hello.c", host: "127.0.0.1", slot: 0, phase: .compile))
    // Our encoder writes the same bytes the real client wrote.
    #expect(compiling.encode() == Array(FileManager.default.contents(atPath: file.path) ?? Data()))
    try farm.release("cc")

    #expect(try client.waitForExit().exitCode == 0)
    #expect(!FileManager.default.fileExists(atPath: file.path))
    #expect(farm.directory.exists("hello.o"))
  }
}

extension BlockingCompileFarm {
  /// Waits until `file` holds a record that `matches`, and returns it.
  func waitForRecord(in file: StateFile, where matches: (StateRecord) -> Bool) throws -> StateRecord
  {
    var found: StateRecord?
    try Self.waitUntil("a matching record in \(file.path)") {
      guard let bytes = FileManager.default.contents(atPath: file.path),
        let record = try? StateRecord(decoding: [UInt8](bytes)), matches(record)
      else { return false }
      found = record
      return true
    }
    return found!
  }
}
