import DistState
import Foundation
import Testing

@Suite struct StateScanTests {
  /// A pid above Linux's `pid_max` limit: `kill(pid, 0)` always fails with `ESRCH`.
  static let deadPid: Int64 = 2_147_483_000
  static let me = Int64(getpid())

  @Test func appliesThe34MonitorRules() throws {
    let temporary = try TemporaryDirectory()
    defer { temporary.remove() }
    let directory = StateDirectory(distccDirectory: temporary.path)
    try directory.create()
    func put(_ name: String, _ record: StateRecord) throws {
      try temporary.write(record.encode(), to: "state/" + name)
    }

    try put(
      "binstate_1", StateRecord(pid: Self.me, file: "c.c", host: "zzz", slot: 0, phase: .send))
    try put(
      "binstate_2", StateRecord(pid: Self.me, file: "b.c", host: "aaa", slot: 2, phase: .compile))
    try put(
      "binstate_3", StateRecord(pid: Self.me, file: "a.c", host: "aaa", slot: 0, phase: .receive))
    try put(
      "binstate_4",
      StateRecord(pid: Self.deadPid, file: "dead.c", host: "aaa", slot: 1, phase: .compile))
    try put(
      "binstate_5",
      StateRecord(pid: Self.deadPid, file: "done.c", host: "aaa", slot: 1, phase: .done))
    try put(
      "binstate_stale", StateRecord(pid: Self.me, file: "old.c", host: "aaa", slot: 0, phase: .send)
    )
    temporary.age("state/binstate_stale", by: 61 + 5)
    try put(
      "notstate_6", StateRecord(pid: Self.me, file: "ignored.c", host: "aaa", slot: 0, phase: .send)
    )
    try temporary.write(
      Array(
        StateRecord(pid: Self.me, file: "s", host: "aaa", slot: 0, phase: .send).encode().prefix(
          100)), to: "state/binstate_short")
    try temporary.write([], to: "state/binstate_empty")
    var magic = StateRecord(pid: Self.me, file: "m", host: "aaa", slot: 0, phase: .send).encode()
    magic[8] = 1
    try temporary.write(magic, to: "state/binstate_magic")
    var size = StateRecord(pid: Self.me, file: "z", host: "aaa", slot: 0, phase: .send).encode()
    size[0] = 1
    try temporary.write(size, to: "state/binstate_size")

    let scan = try directory.scan()
    #expect(scan.records.map(\.fileName) == ["a.c", "done.c", "b.c", "c.c"])
    #expect(scan.orphans.map(\.fileName) == ["dead.c"])
    #expect(scan.removedStaleFiles == [directory.path + "/binstate_stale"])
    #expect(
      Set(scan.incompleteFiles) == [
        directory.path + "/binstate_short", directory.path + "/binstate_empty",
      ])
    #expect(!temporary.exists("state/binstate_stale"))
    #expect(temporary.exists("state/binstate_4"))  // orphans are left for the staleness rule
    #expect(
      Set(scan.warnings) == [
        .wrongMagic(path: directory.path + "/binstate_magic"),
        .wrongStructureSize(path: directory.path + "/binstate_size"),
      ])
  }

  @Test func keepsDirectoryOrderForEqualHostAndSlot() throws {
    let temporary = try TemporaryDirectory()
    defer { temporary.remove() }
    let directory = StateDirectory(distccDirectory: temporary.path)
    try directory.create()
    for index in 0..<20 {
      try temporary.write(
        StateRecord(
          pid: Self.me, file: "f\(index).c", host: "h", slot: Int32(index % 2), phase: .send
        ).encode(),
        to: "state/binstate_\(index)")
    }
    let scan = try directory.scan()
    // Directory order, as readdir returns it, within each slot.
    let order = temporary.namesInDirectoryOrder("state")
    let indexes = order.compactMap { Int($0.dropFirst("binstate_".count)) }
    let expected = (indexes.filter { $0 % 2 == 0 } + indexes.filter { $0 % 2 == 1 }).map {
      "f\($0).c"
    }
    #expect(scan.records.map(\.fileName) == expected)
  }

  @Test func sortsHostsBytewise() throws {
    let temporary = try TemporaryDirectory()
    defer { temporary.remove() }
    let directory = StateDirectory(distccDirectory: temporary.path)
    try directory.create()
    for (index, host) in ["b", "B", "ab", "a", "", "a-"].enumerated() {
      try temporary.write(
        StateRecord(pid: Self.me, file: "", host: host, slot: 0, phase: .send).encode(),
        to: "state/binstate_\(index)")
    }
    #expect(try directory.scan().records.map(\.hostName) == ["", "B", "a", "a-", "ab", "b"])
  }

  @Test func createsTheStateDirectoryOrFailsWithMkdir() throws {
    let temporary = try TemporaryDirectory()
    defer { temporary.remove() }
    #expect(try StateDirectory(distccDirectory: temporary.path).scan() == StateScan())
    #expect(temporary.exists("state"))
    let missing = StateDirectory(distccDirectory: temporary.path + "/nope")
    #expect(throws: DistStateError.system(operation: "mkdir", path: missing.path, errno: ENOENT)) {
      try missing.scan()
    }
  }

  @Test func wordsWarningsAs34Does() {
    #expect(
      "\(StateScanWarning.wrongMagic(path: "/s/binstate_3"))" == "wrong magic number: /s/binstate_3"
    )
    #expect(StateScanWarning.wrongMagic(path: "x").function == "dcc_mon_read_state")
    #expect(
      "\(StateScanWarning.wrongStructureSize(path: "/s/b"))"
        == "wrong structure size: /s/b: version mismatch?")
    #expect(
      "\(StateScanWarning.cannotOpen(path: "/s/b", errno: EACCES))"
        == "failed to open /s/b: Permission denied")
  }
}
