import HostSpec
import Testing

/// 3.4 behaviours beyond the reference's table, each confirmed with the real binary (the differential test
/// covers them too): fields read past the end of the entry, C number parsing, prefix matches.
let quirkRows: [ExampleRow] = [
  ExampleRow(
    1, "red/ 3",
    .hosts(
      [tcp("red", limit: 3, text: "red/"), tcp("3", text: "3")], jobs: 7,
      warnings: [.readPastEntry(at("red/", column: 5), text: " 3")])),
  ExampleRow(
    2, "red: 80",
    .hosts(
      [tcp("red", port: 80, text: "red:"), tcp("80", text: "80")], jobs: 8,
      warnings: [.readPastEntry(at("red:", column: 5), text: " 80")])),
  ExampleRow(
    3, "red#:80",
    .hosts(
      [tcp("red#", port: 80, text: "red")], jobs: 4,
      warnings: [.readPastEntry(at("red", column: 4), text: "#:80")])),
  ExampleRow(4, "red:80#x", .error(.badPort(at("red:80", column: 5), text: "80#x"))),
  ExampleRow(5, "red: 80x", .error(.badPort(at("red:", column: 5), text: " 80x"))),
  ExampleRow(6, "localhost#x", .hosts([local(text: "localhost")], jobs: 2)),
  ExampleRow(
    7, "--localslots= 7 h",
    .hosts(
      [tcp("7", text: "7"), tcp("h", text: "h")], jobs: 8, localSlots: 7,
      warnings: [.readPastEntry(at("--localslots=", column: 14), text: " 7")])),
  ExampleRow(
    8, "red/+3:4000",
    .hosts(
      [tcp("red", limit: 3, text: "red/+3:4000")], jobs: 3,
      warnings: [.ignoredText(at("red/+3:4000", column: 7), text: ":4000")])),
  ExampleRow(
    9, "red,auth=", .hosts([tcp("red", .init(authenticate: true), text: "red,auth=")], jobs: 4)),
  ExampleRow(
    10, "--localslots=0@h",
    .hosts(
      [ssh("--localslots=0", "h", text: "--localslots=0@h")], jobs: 4,
      warnings: [
        .badLocalSlots(at("--localslots=0@h", column: 13), text: "=0@h", becomesHost: true)
      ])),
  ExampleRow(
    11, "a@b/3=4",
    .hosts(
      [ssh("a", "b", limit: 3, text: "a@b/3=4")], jobs: 3,
      warnings: [.ignoredText(at("a@b/3=4", column: 6), text: "=4")])),
  ExampleRow(12, "[::1]=5", .hosts([tcp("::1", limit: 5, text: "[::1]=5")], jobs: 5)),
  ExampleRow(13, "red/4294967297", .hosts([tcp("red", limit: 1, text: "red/4294967297")], jobs: 1)),
  ExampleRow(
    14, "red/4294967296", .error(.badLimit(at("red/4294967296", column: 4), text: "/4294967296"))),
  ExampleRow(
    15, "red:99999999999999999999",
    .hosts(
      [tcp("red", port: -1, text: "red:99999999999999999999")], jobs: 4,
      warnings: [.portOutOfRange(at("red:99999999999999999999", column: 1), port: -1)])),
  ExampleRow(16, "red\u{0B}x", .hosts([tcp("red\u{0B}x", text: "red\u{0B}x")], jobs: 4)),
  ExampleRow(17, "[]", .error(.missingHostName(at("[]", column: 3), ssh: false))),
  ExampleRow(
    18, "red:,lzo",
    .hosts(
      [tcp("red", port: 0, lzo, text: "red:,lzo")], jobs: 4,
      warnings: [.portOutOfRange(at("red:,lzo", column: 1), port: 0)])),
  ExampleRow(19, "red:#x", .error(.badPort(at("red:", column: 5), text: "#x"))),
  ExampleRow(
    20, "red,cpp,auth=k/x,lzo", .error(.cppWithoutLZO(at("red,cpp,auth=k/x,lzo", column: 4)))),
  ExampleRow(
    21, "--localslots_cpp=-1 h",
    .hosts(
      [tcp("h", text: "h")], jobs: 4, localSlotsCpp: -1,
      warnings: [.nonPositiveLimit(at("--localslots_cpp=-1", column: 1), limit: -1)])),
  ExampleRow(22, " \u{0B}\u{0C}\r\n# only a comment\n", .error(.noHosts(.environment))),
  ExampleRow(
    23, "a\r\nb\n\nc/0", .error(.badLimit(at("c/0", column: 2, entry: 3, line: 4), text: "/0"))),
]

@Suite struct QuirkTableTests {
  @Test(arguments: quirkRows)
  func reproducesDistcc34Quirks(_ row: ExampleRow) {
    ExampleTableTests().parsesLikeDistcc34(row)
  }
}
