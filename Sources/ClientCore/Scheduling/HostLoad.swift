import DistPosix
import HostSpec
import SystemPackage

/// A daemon's load as its `--stats` page reports it (daemon.md §7; 3.4's daemon serves the same page):
/// `dcc_max_kids` (its job slots) and `dcc_current_load` (runnable processes on its machine).
package struct HostLoad: Sendable, Equatable {
  /// Job slots the daemon runs (`dcc_max_kids`).
  package var maxKids: Int
  /// Runnable processes on the daemon's machine (`dcc_current_load`).
  package var runnable: Int

  package init(maxKids: Int, runnable: Int) {
    self.maxKids = maxKids
    self.runnable = runnable
  }

  /// Parses a stats page; `nil` when it has no `<distccstats>` block with both figures.
  package init?(page: String) {
    guard page.contains("<distccstats>") else { return nil }
    var kids: Int?
    var runnable: Int?
    for line in page.split(separator: "\n") {
      let fields = line.split(separator: " ")
      guard fields.count == 2 else { continue }
      if fields[0] == "dcc_max_kids" { kids = Int(fields[1]) }
      if fields[0] == "dcc_current_load" { runnable = Int(fields[1]) }
    }
    guard let kids, let runnable, kids > 0, runnable >= 0 else { return nil }
    self.init(maxKids: kids, runnable: runnable)
  }

  /// How much slower than usual a job is expected to run: 1 while the machine runs no more processes than
  /// it has slots, growing linearly beyond.
  package var slowdown: Double {
    1 + Double(max(0, runnable - maxKids)) / Double(maxKids)
  }
}

/// Fetches `HostLoad`s from the stats port (compile port + 1; 3632 → 3633, 3.4's default) with a short
/// deadline, and caches each answer in `sched/load_<key>` for a second (a missing page for half a minute); one
/// client at a time refreshes (`sched/load.lock`), so thousands of client processes do not hammer a daemon. Only the stats port is probed: a daemon's compile
/// port gets nothing but requests.
struct HostLoadProbe: Sendable {
  /// The scheduler's state directory.
  var directory: String
  /// Per-host time budget of one fetch.
  var timeoutMilliseconds: Int64 = 50
  /// Freshness of a cached answer.
  var freshMilliseconds = 1000
  /// Freshness of a cached "no stats here".
  var absentMilliseconds = 30_000

  /// Loads for the TCP hosts among `hosts` whose stats can be had within `budgetMilliseconds` in total.
  func loads(of hosts: [HostEntry], budgetMilliseconds: Int = 60) -> [String: HostLoad] {
    let start = SmallFile.monotonicMilliseconds()
    let now = SmallFile.now() * 1000
    var result: [String: HostLoad] = [:]
    // One client refreshes at a time; the others use what is cached (no thundering herd at a build's start).
    var refresher: SlotLock?
    defer { refresher?.release() }
    for host in hosts {
      guard case .tcp(let name, let port) = host.kind, port > 0, port < 65535 else { continue }
      let key = HostHistory.key(host)
      let path = directory + "/load_" + key
      if let cached = SmallFile.read(path, limit: 256), let entry = CachedLoad(text: cached) {
        let age = now - entry.stamp
        if entry.load == nil, age >= 0, age < absentMilliseconds { continue }
        if let load = entry.load, age >= 0, age < freshMilliseconds {
          result[key] = load
          continue
        }
      }
      guard SmallFile.monotonicMilliseconds() - start < budgetMilliseconds else { continue }
      if refresher == nil {
        guard let lock = try? SlotLock.tryLock(directory + "/load.lock") else { break }
        refresher = lock
      }
      let load = fetch(host: name, port: UInt16(port + 1))
      SmallFile.replace(path, with: CachedLoad(stamp: now, load: load).text)
      if let load { result[key] = load }
    }
    return result
  }

  /// One GET of the stats page; `nil` on any failure.
  func fetch(host: String, port: UInt16) -> HostLoad? {
    guard let address = SocketAddress(numericHost: host, port: port) else { return nil }
    let deadline = Deadline.after(milliseconds: timeoutMilliseconds)
    guard let fd = try? Socket.connect(to: address, deadline: deadline) else { return nil }
    defer { fd.closeIgnoringErrors() }
    guard (try? fd.writeAll(Array("GET / HTTP/1.0\r\n\r\n".utf8), deadline: deadline)) != nil,
      let page = try? fd.readToEnd(limit: 8192, deadline: deadline)
    else { return nil }
    return HostLoad(page: String(decoding: page, as: UTF8.self))
  }

  /// A cache file: `<ms> <max kids> <runnable>` or `<ms> none`, the figures right-aligned in 5 characters each
  /// and `none` in 11, so that both forms have the same length and the file is rewritten in place at the
  /// same size (`SmallFile`). Any run of spaces separates fields, so the older unpadded form still reads.
  struct CachedLoad {
    var stamp: Int
    var load: HostLoad?

    init(stamp: Int, load: HostLoad?) {
      self.stamp = stamp
      self.load = load
    }

    init?(text: String) {
      let fields = text.split { $0 == " " || $0 == "\n" }
      guard let first = fields.first, let stamp = Int(first) else { return nil }
      self.stamp = stamp
      if fields.count == 3, let kids = Int(fields[1]), let runnable = Int(fields[2]), kids > 0 {
        load = HostLoad(maxKids: kids, runnable: runnable)
      } else if fields.count == 2, fields[1] == "none" {
        load = nil
      } else {
        return nil
      }
    }

    var text: String {
      let figures = load.map { $0.maxKids.padded(to: 5) + " " + $0.runnable.padded(to: 5) }
      return "\(stamp) " + (figures ?? String(repeating: " ", count: 7) + "none") + "\n"
    }
  }
}
