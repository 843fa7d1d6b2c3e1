import DistPosix
import DistTestSupport
import Foundation
import Glibc
import HostSpec
import SystemPackage
import Testing

@testable import ClientCore

/// `sched/history` and the load caches: fixed-width text rewritten in place under an OFD lock, so
/// concurrent updaters lose nothing and readers never see a torn file.
@Suite struct HostHistoryFileTests {
  private static func tcp(_ name: String) -> HostEntry {
    HostEntry(kind: .tcp(host: name, port: 3632), limit: 2, displayName: name)
  }

  private static func inode(_ path: String) -> ino_t? {
    var info = stat()
    return stat(path, &info) == 0 ? info.st_ino : nil
  }

  // MARK: Formats

  /// Lines as earlier clients wrote them (unpadded) and as this one writes them (padded) read alike.
  @Test(arguments: [
    ("cpu_tcp_a_3632 300 4 0 0", HostRecord(averageMilliseconds: 300, samples: 4)),
    (
      "cpu_tcp_a_3632       300       4    0          0",
      HostRecord(averageMilliseconds: 300, samples: 4)
    ),
    (
      "cpu_tcp_a_3632 1250 7 2 1700000000",
      HostRecord(averageMilliseconds: 1250, samples: 7, failures: 2, lastFailure: 1_700_000_000)
    ),
    (
      "cpu_tcp_a_3632      1250       7    2 1700000000",
      HostRecord(averageMilliseconds: 1250, samples: 7, failures: 2, lastFailure: 1_700_000_000)
    ),
    (
      "cpu_tcp_a_3632 1234567890 1000000 1000 1700000000",
      HostRecord(
        averageMilliseconds: 1_234_567_890, samples: 1_000_000, failures: 1000,
        lastFailure: 1_700_000_000)
    ),
  ])
  func oldAndPaddedLinesParseAlike(line: String, record: HostRecord) {
    let history = HostHistory(text: line + "\n")
    #expect(history.records == ["cpu_tcp_a_3632": record])
    #expect(HostHistory(text: history.text) == history)
  }

  /// Malformed lines (a field too few or too many, a field that is not a number, a negative or infinite
  /// average) are skipped, blank lines and runs of spaces (leading ones too) do not matter, and the last
  /// line needs no newline.
  @Test func damagedHistoryLinesAreSkipped() {
    let text =
      "cpu_tcp_a_3632 300 4 0\n" + "cpu_tcp_b_3632 300 4 0 0 9\n" + "cpu_tcp_c_3632 fast 4 0 0\n"
      + "cpu_tcp_d_3632 -5 4 0 0\n" + "cpu_tcp_e_3632 inf 4 0 0\n" + "\n\n"
      + "   cpu_tcp_f_3632   12.5  3    1   1700000000\n" + "cpu_tcp_g_3632 7 1 0 0"
    #expect(
      HostHistory(text: text).records == [
        "cpu_tcp_f_3632": HostRecord(
          averageMilliseconds: 12.5, samples: 3, failures: 1, lastFailure: 1_700_000_000),
        "cpu_tcp_g_3632": HostRecord(averageMilliseconds: 7, samples: 1),
      ])
  }

  /// A line's length does not change as its figures do, so updates rewrite the file at the same size.
  @Test(arguments: [
    HostRecord(),
    HostRecord(averageMilliseconds: 7, samples: 1),
    HostRecord(
      averageMilliseconds: 999_999_999, samples: 1_000_000, failures: 1000,
      lastFailure: 1_999_999_999),
  ])
  func linesAreFixedWidth(record: HostRecord) {
    let text = HostHistory(records: ["cpu_tcp_a_3632": record]).text
    #expect(
      text.utf8.count == "cpu_tcp_a_3632".utf8.count + 1 + 9 + 1 + 7 + 1 + 4 + 1 + 10 + 1, "\(text)"
    )
  }

  @Test func theTextIsSortedAndPadded() {
    let history = HostHistory(records: [
      "cpu_tcp_b_3632": HostRecord(averageMilliseconds: 200.4, samples: 1),
      "cpu_ssh_a": HostRecord(
        averageMilliseconds: 1250, samples: 7, failures: 2, lastFailure: 1_700_000_000),
    ])
    #expect(
      history.text
        == "cpu_ssh_a      1250       7    2 1700000000\n"
        + "cpu_tcp_b_3632       200       1    0          0\n")
  }

  /// Both forms of a load cache have one length; old unpadded caches still read.
  @Test(arguments: [
    ("1700000000123 4 2\n", HostLoad(maxKids: 4, runnable: 2) as HostLoad?),
    ("1700000000123 none\n", nil),
    ("1700000000123     4     2\n", HostLoad(maxKids: 4, runnable: 2)),
    ("1700000000123        none\n", nil),
    ("1700000000123 64 12345", HostLoad(maxKids: 64, runnable: 12345)),
  ])
  func loadCachesParseInBothForms(text: String, load: HostLoad?) throws {
    let cached = try #require(HostLoadProbe.CachedLoad(text: text))
    #expect(cached.stamp == 1_700_000_000_123)
    #expect(cached.load == load)
    #expect(cached.text.utf8.count == 13 + 1 + 11 + 1)
    let again = try #require(HostLoadProbe.CachedLoad(text: cached.text))
    #expect(again.stamp == cached.stamp && again.load == cached.load)
  }

  @Test(arguments: [
    "", "x", "1700000000123", "1700000000123 0 1", "1700000000123 4", "1700000000123 nix",
  ])
  func damagedLoadCachesAreIgnored(text: String) {
    #expect(HostLoadProbe.CachedLoad(text: text) == nil)
  }

  // MARK: In-place updates

  /// Updates rewrite the same inode; the file shrinks only when a host is dropped, and then exactly.
  @Test func updatesKeepTheInodeAndTruncateOnlyWhenShorter() throws {
    let directory = try TestDirectory()
    let path = directory.appending("history")
    try directory.write("history", "cpu_tcp_a_3632 300 4 0 0\n")  // the old format, shorter
    let inode = try #require(Self.inode(path))
    HostHistory.update(path, host: Self.tcp("a")) { $0.recordCompletion(milliseconds: 100) }
    #expect(Self.inode(path) == inode)
    let one = try String(contentsOfFile: path, encoding: .utf8)
    #expect(one == "cpu_tcp_a_3632       240       5    0          0\n")
    HostHistory.update(path, host: Self.tcp("b")) { $0.recordFailure(now: 1_700_000_000) }
    HostHistory.update(path, host: Self.tcp("a")) { $0.recordCompletion(milliseconds: 99_999) }
    #expect(Self.inode(path) == inode)
    let two = try String(contentsOfFile: path, encoding: .utf8)
    #expect(two.utf8.count == 2 * one.utf8.count)
    SmallFile.update(path) { text in String(text.split(separator: "\n")[1]) + "\n" }
    #expect(
      try String(contentsOfFile: path, encoding: .utf8)
        == "cpu_tcp_b_3632         0       0    1 1700000000\n")
    #expect(Self.inode(path) == inode)
  }

  /// A holder that keeps the lock (a client stopped with ^Z inside an update) costs others a bounded wait:
  /// an update is skipped, a read goes ahead unlocked.
  @Test func aLockHeldTooLongSkipsTheUpdateButNotTheRead() throws {
    let directory = try TestDirectory()
    let path = directory.appending("history")
    try directory.write("history", "cpu_tcp_a_3632 300 4 0 0\n")
    let holder = try FileDescriptor.open(FilePath(path), .readWrite)
    defer { holder.closeIgnoringErrors() }
    try OpenFileLock.lock(holder, .exclusive)
    let start = SmallFile.monotonicMilliseconds()
    HostHistory.update(path, host: Self.tcp("a")) { $0.recordCompletion(milliseconds: 100) }
    let waited = SmallFile.monotonicMilliseconds() - start
    #expect(waited >= SmallFile.patienceMicroseconds / 1000 && waited < 10_000)
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "cpu_tcp_a_3632 300 4 0 0\n")
    #expect(SmallFile.read(path) == "cpu_tcp_a_3632 300 4 0 0\n")
    try OpenFileLock.unlock(holder)
    HostHistory.update(path, host: Self.tcp("a")) { $0.recordCompletion(milliseconds: 100) }
    #expect(HostHistory.load(path)[Self.tcp("a")]?.samples == 5)
  }

  @Test func aMissingFileIsCreatedWithMode0666LessTheUmask() throws {
    let directory = try TestDirectory()
    let path = directory.appending("history")
    #expect(SmallFile.read(path) == nil)
    HostHistory.update(path, host: Self.tcp("a")) { $0.recordCompletion(milliseconds: 5) }
    #expect(HostHistory.load(path)[Self.tcp("a")] == HostRecord(averageMilliseconds: 5, samples: 1))
    var info = stat()
    #expect(stat(path, &info) == 0)
    let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
    let umask = status.split(separator: "\n").first { $0.hasPrefix("Umask:") }
      .flatMap { mode_t($0.dropFirst(6).trimmingCharacters(in: .whitespaces), radix: 8) }
    #expect(info.st_mode & 0o777 == 0o666 & ~(try #require(umask)))
  }

  /// Threads of one process each open the file and update it under the lock: not one sample is lost, and
  /// every line stays well formed.
  @Test(arguments: [(threads: 8, updates: 40, hosts: 1), (threads: 6, updates: 30, hosts: 3)])
  func concurrentUpdatersLoseNoSample(threads: Int, updates: Int, hosts: Int) throws {
    let directory = try TestDirectory()
    let path = directory.appending("history")
    let names = (0..<hosts).map { "h\($0)" }
    DispatchQueue.concurrentPerform(iterations: threads) { thread in
      for update in 0..<updates {
        HostHistory.update(path, host: Self.tcp(names[(thread + update) % hosts])) {
          $0.recordCompletion(milliseconds: 10 + thread)
        }
      }
    }
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let history = HostHistory(text: text)
    #expect(history.text == text, "every line parses and is written back the same")
    #expect(history.records.count == hosts)
    #expect(history.records.values.map(\.samples).reduce(0, +) == threads * updates, "\(text)")
    for record in history.records.values {
      #expect(record.averageMilliseconds >= 10 && record.averageMilliseconds <= Double(9 + threads))
    }
  }

  /// Readers take the shared lock, so while writers rewrite the file they see one whole version: every
  /// line of a version carries the same number.
  @Test func readersNeverSeeATornFile() throws {
    let directory = try TestDirectory()
    let path = directory.appending("load_x")
    let lines = 400  // 5,200 bytes: more than one page
    @Sendable func version(_ number: Int) -> String {
      String(repeating: number.padded(to: 12) + "\n", count: lines)
    }
    SmallFile.replace(path, with: version(0))
    nonisolated(unsafe) var torn: [String] = []
    let tornLock = NSLock()
    DispatchQueue.concurrentPerform(iterations: 4) { worker in
      for round in 0..<150 {
        if worker < 2 {
          SmallFile.replace(path, with: version(worker * 1000 + round))
        } else if let text = SmallFile.read(path) {
          let distinct = Set(text.split(separator: "\n"))
          if distinct.count != 1 || text.utf8.count != 13 * lines {
            tornLock.withLock { torn.append(String(text.prefix(80))) }
          }
        }
      }
    }
    #expect(torn.isEmpty, "\(torn.count) torn reads, e.g. \(torn.first ?? "")")
  }
}
