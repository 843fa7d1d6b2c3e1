import HostSpec
import Testing

/// Every row of the example table of the 3.4 reference (`hosts.md` §8), plus variants of the keyword rows
/// with a host added (alone they name no host). Row 67 (`+zeroconf`) is in `HostListTests`.
struct ExampleRow: Sendable, CustomTestStringConvertible {
  enum Outcome: Sendable {
    /// The hosts, what `-j` prints, the list settings and, if given, the exact warnings.
    case hosts(
      [HostEntry], jobs: Int, localSlots: Int = 4, localSlotsCpp: Int = 8, randomize: Bool = false,
      warnings: [HostSpecWarning] = [])
    case error(HostSpecError)
  }

  var row: Int
  var spec: String
  var outcome: Outcome
  var testDescription: String { "#\(row) \"\(spec)\"" }

  init(_ row: Int, _ spec: String, _ outcome: Outcome) {
    self.row = row
    self.spec = spec
    self.outcome = outcome
  }
}

/// A one-host list whose entry is the whole spec.
private func one(_ spec: String, _ host: (String) -> HostEntry, warnings: [HostSpecWarning] = [])
  -> ExampleRow.Outcome
{
  let entry = host(spec)
  return .hosts([entry], jobs: entry.limit, warnings: warnings)
}

let exampleRows: [ExampleRow] = [
  ExampleRow(1, "localhost", one("localhost") { local(text: $0) }),
  ExampleRow(2, "localhost/3", one("localhost/3") { local(limit: 3, text: $0) }),
  ExampleRow(3, "localhost/0", .error(.badLimit(at("localhost/0", column: 10), text: "/0"))),
  ExampleRow(4, "localhost:3632", one("localhost:3632") { tcp("localhost", port: 3632, text: $0) }),
  ExampleRow(5, "localhost:1", one("localhost:1") { tcp("localhost", port: 1, text: $0) }),
  ExampleRow(
    6, "localhost,lzo", one("localhost,lzo") { tcp("localhost", port: 3632, lzo, text: $0) }),
  ExampleRow(
    7, "localhost/2,lzo",
    one(
      "localhost/2,lzo", { local(limit: 2, text: $0) },
      warnings: [.ignoredText(at("localhost/2,lzo", column: 12), text: ",lzo")])),
  ExampleRow(
    8, "localhost/3:4000",
    one(
      "localhost/3:4000", { local(limit: 3, text: $0) },
      warnings: [.ignoredText(at("localhost/3:4000", column: 12), text: ":4000")])),
  ExampleRow(
    9, "localhost/2/3",
    one(
      "localhost/2/3", { local(limit: 2, text: $0) },
      warnings: [.ignoredText(at("localhost/2/3", column: 12), text: "/3")])),
  ExampleRow(10, "LOCALHOST", one("LOCALHOST") { tcp("LOCALHOST", text: $0) }),
  ExampleRow(11, "127.0.0.1", one("127.0.0.1") { tcp("127.0.0.1", text: $0) }),
  ExampleRow(
    12, "127.0.0.1:4000", one("127.0.0.1:4000") { tcp("127.0.0.1", port: 4000, text: $0) }),
  ExampleRow(13, "127.0.0.1/8", one("127.0.0.1/8") { tcp("127.0.0.1", limit: 8, text: $0) }),
  ExampleRow(
    14, "127.0.0.1:4000/8",
    one("127.0.0.1:4000/8") { tcp("127.0.0.1", port: 4000, limit: 8, text: $0) }),
  ExampleRow(
    15, "127.0.0.1/8:4000",
    one("127.0.0.1/8:4000") { tcp("127.0.0.1", port: 4000, limit: 8, text: $0) }),
  ExampleRow(
    16, "127.0.0.1/2:4000/6",
    one("127.0.0.1/2:4000/6") { tcp("127.0.0.1", port: 4000, limit: 6, text: $0) }),
  ExampleRow(17, "127.0.0.1,lzo", one("127.0.0.1,lzo") { tcp("127.0.0.1", lzo, text: $0) }),
  ExampleRow(
    18, "127.0.0.1,cpp,lzo", one("127.0.0.1,cpp,lzo") { tcp("127.0.0.1", pump, text: $0) }),
  ExampleRow(
    19, "127.0.0.1,lzo,cpp", one("127.0.0.1,lzo,cpp") { tcp("127.0.0.1", pump, text: $0) }),
  ExampleRow(20, "127.0.0.1,cpp", .error(.cppWithoutLZO(at("127.0.0.1,cpp", column: 10)))),
  ExampleRow(
    21, "127.0.0.1:4000/3,lzo",
    one("127.0.0.1:4000/3,lzo") { tcp("127.0.0.1", port: 4000, limit: 3, lzo, text: $0) }),
  ExampleRow(
    22, "127.0.0.1:4000,lzo/3",
    one(
      "127.0.0.1:4000,lzo/3", { tcp("127.0.0.1", port: 4000, lzo, text: $0) },
      warnings: [.ignoredText(at("127.0.0.1:4000,lzo/3", column: 19), text: "/3")])),
  ExampleRow(
    23, "127.0.0.1,down", one("127.0.0.1,down") { tcp("127.0.0.1", .init(down: true), text: $0) }),
  ExampleRow(
    24, "127.0.0.1,foo", .error(.unknownOption(at("127.0.0.1,foo", column: 10), text: ",foo"))),
  ExampleRow(
    25, "127.0.0.1,lzofoo",
    one(
      "127.0.0.1,lzofoo", { tcp("127.0.0.1", lzo, text: $0) },
      warnings: [.ignoredText(at("127.0.0.1,lzofoo", column: 14), text: "foo")])),
  ExampleRow(26, "127.0.0.1/4/5", one("127.0.0.1/4/5") { tcp("127.0.0.1", limit: 5, text: $0) }),
  ExampleRow(
    27, "127.0.0.1:",
    one(
      "127.0.0.1:", { tcp("127.0.0.1", port: 0, text: $0) },
      warnings: [.portOutOfRange(at("127.0.0.1:", column: 1), port: 0)])),
  ExampleRow(
    28, "127.0.0.1:99999",
    one(
      "127.0.0.1:99999", { tcp("127.0.0.1", port: 99999, text: $0) },
      warnings: [.portOutOfRange(at("127.0.0.1:99999", column: 1), port: 99999)])),
  ExampleRow(
    29, "127.0.0.1:4000:5000",
    .error(.badPort(at("127.0.0.1:4000:5000", column: 11), text: "4000:5000"))),
  ExampleRow(30, "red:+80", one("red:+80") { tcp("red", port: 80, text: $0) }),
  ExampleRow(31, "red:0x10", .error(.badPort(at("red:0x10", column: 5), text: "0x10"))),
  ExampleRow(32, "red:abc", .error(.badPort(at("red:abc", column: 5), text: "abc"))),
  ExampleRow(33, "red/abc", .error(.badLimit(at("red/abc", column: 4), text: "/abc"))),
  ExampleRow(
    34, "red/-2",
    one(
      "red/-2", { tcp("red", limit: -2, text: $0) },
      warnings: [.nonPositiveLimit(at("red/-2", column: 1), limit: -2)])
  ),
  ExampleRow(35, "red=4", one("red=4") { tcp("red=4", text: $0) }),
  ExampleRow(36, "[::1]", one("[::1]") { tcp("::1", text: $0) }),
  ExampleRow(
    37, "[::1]:4000/3,lzo",
    one("[::1]:4000/3,lzo") { tcp("::1", port: 4000, limit: 3, lzo, text: $0) }),
  ExampleRow(38, "[::1", .error(.unclosedBracket(at("[::1", column: 1)))),
  ExampleRow(39, "::1", .error(.missingHostName(at("::1", column: 1), ssh: false))),
  ExampleRow(40, "@red", one("@red") { ssh(nil, "red", text: $0) }),
  ExampleRow(41, "alice@red", one("alice@red") { ssh("alice", "red", text: $0) }),
  ExampleRow(42, "alice@red/6", one("alice@red/6") { ssh("alice", "red", limit: 6, text: $0) }),
  ExampleRow(
    43, "@red:/opt/bin/distccd",
    one("@red:/opt/bin/distccd") { ssh(nil, "red", command: "/opt/bin/distccd", text: $0) }
  ),
  ExampleRow(
    44, "alice@red/6:/opt/bin/distccd,lzo",
    one("alice@red/6:/opt/bin/distccd,lzo") {
      ssh("alice", "red", command: "/opt/bin/distccd", limit: 6, lzo, text: $0)
    }
  ),
  ExampleRow(
    45, "alice@red:/opt/bin/distccd/6",
    one("alice@red:/opt/bin/distccd/6") {
      ssh("alice", "red", command: "/opt/bin/distccd/6", text: $0)
    }),
  ExampleRow(
    46, "alice@red:cmd,lzo,cpp",
    one("alice@red:cmd,lzo,cpp") { ssh("alice", "red", command: "cmd", pump, text: $0) }),
  ExampleRow(
    47, "alice@red,auth",
    one("alice@red,auth") { ssh("alice", "red", .init(authenticate: true), text: $0) }),
  ExampleRow(48, "alice@", .error(.missingHostName(at("alice@", column: 7), ssh: true))),
  ExampleRow(49, "@", .error(.missingHostName(at("@", column: 2), ssh: true))),
  ExampleRow(50, "a@b@c", one("a@b@c") { ssh("a", "b@c", text: $0) }),
  ExampleRow(51, "@[::1]", one("@[::1]") { ssh(nil, "[", command: ":1]", text: $0) }),
  ExampleRow(52, "red,auth", one("red,auth") { tcp("red", .init(authenticate: true), text: $0) }),
  ExampleRow(
    53, "red,auth=host/red.example.com,lzo",
    one(
      "red,auth=host/red.example.com,lzo",
      { tcp("red", .init(authenticate: true, authName: "host"), text: $0) },
      warnings: [
        .ignoredText(
          at("red,auth=host/red.example.com,lzo", column: 14), text: "/red.example.com,lzo")
      ])),
  ExampleRow(54, "red/3,lzo,cpp", one("red/3,lzo,cpp") { tcp("red", limit: 3, pump, text: $0) }),
  ExampleRow(55, "red,,lzo", .error(.unknownOption(at("red,,lzo", column: 4), text: ","))),
  ExampleRow(56, "red,", .error(.unknownOption(at("red,", column: 4), text: ","))),
  ExampleRow(
    57, "red,down,lzo", one("red,down,lzo") { tcp("red", .init(lzo: true, down: true), text: $0) }),
  ExampleRow(58, "red:4000/0", .error(.badLimit(at("red:4000/0", column: 9), text: "/0"))),
  ExampleRow(59, "--randomize", .error(.noHosts(.environment))),
  ExampleRow(
    60, "--randomizeXYZ 127.0.0.2",
    .hosts(
      [tcp("127.0.0.2", text: "127.0.0.2")], jobs: 4, randomize: true,
      warnings: [.ignoredText(at("--randomizeXYZ", column: 12), text: "XYZ")])),
  ExampleRow(61, "--localslots=3", .error(.noHosts(.environment))),
  ExampleRow(61, "--localslots=3 h", .hosts([tcp("h", text: "h")], jobs: 4, localSlots: 3)),
  ExampleRow(62, "--localslots_cpp=12", .error(.noHosts(.environment))),
  ExampleRow(
    62, "--localslots_cpp=12 h", .hosts([tcp("h", text: "h")], jobs: 4, localSlotsCpp: 12)),
  ExampleRow(
    63, "--localslots=0",
    .hosts(
      [tcp("--localslots=0", text: "--localslots=0")], jobs: 4,
      warnings: [.badLocalSlots(at("--localslots=0", column: 13), text: "=0", becomesHost: true)])),
  ExampleRow(64, "--localslots_cpp=0", .error(.noHosts(.environment))),
  ExampleRow(
    64, "--localslots_cpp=0 h",
    .hosts(
      [tcp("h", text: "h")], jobs: 4,
      warnings: [
        .badLocalSlots(at("--localslots_cpp=0", column: 17), text: "=0", becomesHost: false)
      ])),
  ExampleRow(65, "--localslots", .error(.noHosts(.environment))),
  ExampleRow(65, "--localslots h", .hosts([tcp("h", text: "h")], jobs: 4)),
  ExampleRow(66, "--localslots=3abc", .error(.noHosts(.environment))),
  ExampleRow(
    66, "--localslots=3abc h",
    .hosts(
      [tcp("h", text: "h")], jobs: 4, localSlots: 3,
      warnings: [.ignoredText(at("--localslots=3abc", column: 15), text: "abc")])),
  // 3.4 names this host "red#comment" (its lock files say so); --show-hosts prints "red".
  ExampleRow(
    68, "red#comment",
    one(
      "red#comment", { _ in tcp("red#comment", text: "red") },
      warnings: [.readPastEntry(at("red", column: 4), text: "#comment")])),
  ExampleRow(
    69, "a#b c\nd",
    .hosts(
      [tcp("a#b", text: "a"), tcp("d", text: "d")], jobs: 8,
      warnings: [.readPastEntry(at("a", column: 2), text: "#b")])),
  ExampleRow(
    70, "red:80 red:80 red:81",
    .hosts(
      [
        tcp("red", port: 80, text: "red:80"), tcp("red", port: 80, text: "red:80"),
        tcp("red", port: 81, text: "red:81"),
      ], jobs: 12)),
  ExampleRow(
    71, "127.0.0.1:1 127.0.0.1:2",
    .hosts(
      [
        tcp("127.0.0.1", port: 1, text: "127.0.0.1:1"),
        tcp("127.0.0.1", port: 2, text: "127.0.0.1:2"),
      ], jobs: 8)),
  ExampleRow(
    72, "localhost/2 --localslots=1 --localslots_cpp=3 127.0.0.2 127.0.0.3/6",
    .hosts(
      [
        local(text: "localhost/2"), tcp("127.0.0.2", text: "127.0.0.2"),
        tcp("127.0.0.3", limit: 6, text: "127.0.0.3/6"),
      ],
      jobs: 12, localSlots: 1, localSlotsCpp: 3)),
  ExampleRow(73, "", .error(.noHosts(.environment))),
]

@Suite struct ExampleTableTests {
  @Test(arguments: exampleRows)
  func parsesLikeDistcc34(_ row: ExampleRow) {
    let result = Result { () throws(HostSpecError) in try HostList.parse(row.spec) }
    switch (row.outcome, result) {
    case (
      .hosts(let hosts, let jobs, let localSlots, let localSlotsCpp, let randomize, let warnings),
      .success(let list)
    ):
      #expect(list.hosts == hosts)
      #expect(list.concurrencyLevel == jobs)
      #expect(list.showHostsLines() == hosts.map(\.displayName))
      #expect(list.localSlots == localSlots)
      #expect(list.localSlotsCpp == localSlotsCpp)
      #expect(list.randomize == randomize)
      #expect(list.warnings == warnings)
    case (.error(let expected), .failure(let error)):
      #expect(error == expected)
    case (.hosts, .failure(let error)):
      Issue.record("expected hosts, got error: \(error)")
    case (.error(let expected), .success(let list)):
      Issue.record("expected \(expected), got \(list.hosts)")
    }
  }
}
