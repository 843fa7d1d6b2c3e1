import DistPosix
import Synchronization

/// The daemon's counters, in one place, behind one lock; rendered as 3.4's `<distccstats>` page (daemon.md §7).
final class ServerStatistics: Sendable {
  struct Counters: Sendable {
    var accepted = 0
    var results: [JobResult: Int] = [:]
    var longestJob = "none"
    var longestJobCompiler = "none"
    var longestJobMilliseconds = -1
    /// (start, end) in monotonic seconds of jobs finished in the last 16 minutes that count as compiles.
    var recentJobs: [(start: Double, end: Double, success: Bool)] = []
    /// Request bytes read and reply bytes written, all connections.
    var bytesReceived = 0
    var bytesSent = 0
    /// Jobs that ran a compiler (`COMPILE_OK`, `COMPILE_ERROR`, `COMPILE_TIMEOUT`), by duration:
    /// `compileBuckets[i]` counts those of at most `compileBucketBounds[i]` seconds (not cumulative).
    var compileBuckets = [Int](repeating: 0, count: ServerStatistics.compileBucketBounds.count)
    var compileCount = 0
    var compileSeconds = 0.0
  }

  /// Upper bounds (seconds) of the compile-time histogram; the last bucket is `+Inf`.
  static let compileBucketBounds: [Double] = [
    0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, .infinity,
  ]

  private let counters = Mutex(Counters())
  let maxKids: Int
  let temporaryDirectory: String

  init(maxKids: Int, temporaryDirectory: String) {
    self.maxKids = maxKids
    self.temporaryDirectory = temporaryDirectory
  }

  static func seconds(_ deadline: Deadline) -> Double { Double(deadline.nanoseconds) / 1e9 }

  func connectionAccepted() { counters.withLock { $0.accepted += 1 } }

  func record(_ summary: JobSummary, started: Deadline) {
    let end = ServerStatistics.seconds(.now)
    counters.withLock { c in
      c.results[summary.result, default: 0] += 1
      c.bytesReceived += summary.bytesReceived
      c.bytesSent += summary.bytesSent
      if [.compileOK, .compileError, .compileTimeout].contains(summary.result) {
        let seconds = Double(summary.milliseconds) / 1000
        let bucket = ServerStatistics.compileBucketBounds.firstIndex { seconds <= $0 } ?? 0
        c.compileBuckets[bucket] += 1
        c.compileCount += 1
        c.compileSeconds += seconds
      }
      if summary.result == .compileOK, summary.milliseconds > c.longestJobMilliseconds {
        c.longestJobMilliseconds = summary.milliseconds
        c.longestJob = summary.source
        c.longestJobCompiler = summary.compiler
      }
      if [.compileOK, .compileError, .compileTimeout, .clientDisconnected].contains(summary.result)
      {
        c.recentJobs.append(
          (ServerStatistics.seconds(started), end, summary.result == .compileOK))
      }
      c.recentJobs.removeAll { $0.end < end - 16 * 60 }
    }
  }

  /// A copy of the counters.
  var snapshot: Counters { counters.withLock { $0 } }

  /// The HTTP reply 3.4 sends on the stats port, bare `\n` line endings.
  func page(argv0: String) -> String {
    let c = snapshot
    let now = ServerStatistics.seconds(.now)
    func busy(from: Double, to: Double) -> Int {
      let total = c.recentJobs.filter(\.success).reduce(0.0) { sum, job in
        sum + max(0, min(job.end, to) - max(job.start, from))
      }
      return Int(total / (to - from))
    }
    func finished(within seconds: Double) -> Int {
      c.recentJobs.filter { $0.end >= now - seconds }.count
    }
    let load = SystemLoad.current(temporaryDirectory: temporaryDirectory)
    var lines = [
      "HTTP/1.0 200 OK", "Content-Type: text/plain", "Connection: close", "",
      "argv \(argv0)", "<distccstats>",
      "dcc_tcp_accept \(c.accepted)",
      "dcc_rej_bad_req \(c.results[.badRequest, default: 0])",
      "dcc_rej_overload \(c.results[.overloaded, default: 0])",
      "dcc_compile_ok \(c.results[.compileOK, default: 0])",
      "dcc_compile_error \(c.results[.compileError, default: 0])",
      "dcc_compile_timeout \(c.results[.compileTimeout, default: 0])",
      "dcc_cli_disconnect \(c.results[.clientDisconnected, default: 0])",
      "dcc_other \(c.results[.other, default: 0])",
      "dcc_longest_job \(c.longestJob)",
      "dcc_longest_job_compiler \(c.longestJobCompiler)",
      "dcc_longest_job_time_msecs \(c.longestJobMilliseconds)",
      "dcc_max_kids \(maxKids)",
      "dcc_avg_kids1 \(busy(from: now - 120, to: now - 60))",
      "dcc_avg_kids2 \(busy(from: now - 300, to: now))",
      "dcc_avg_kids3 \(busy(from: now - 900, to: now))",
      "dcc_current_load \(load.runnable)",
    ]
    for (index, value) in load.averages.enumerated() {
      lines.append("dcc_load\(index + 1) \(SystemLoad.twoDecimals(value))")
    }
    lines += [
      "dcc_num_compiles1 \(finished(within: 60))",
      "dcc_num_compiles2 \(finished(within: 300))",
      "dcc_num_compiles3 \(finished(within: 900))",
      "dcc_num_procstate_D \(load.processesInD)",
      "dcc_max_RSS \(load.maxRSS)",
      "dcc_max_RSS_name \(load.maxRSSName)",
      "dcc_io_rate -1",
      "dcc_free_space \(load.freeMegabytes) MB",
      "</distccstats>",
    ]
    return lines.joined(separator: "\n") + "\n"
  }
}

/// Machine-wide figures of the stats page, read from `/proc` and `statvfs`.
struct SystemLoad {
  var runnable = 0
  var averages: [Double] = [-1, -1, -1]
  var processesInD = 0
  var maxRSS = 0
  var maxRSSName = "none"
  var freeMegabytes = 0

  static func twoDecimals(_ value: Double) -> String {
    if value < 0 { return "-1.00" }
    let hundredths = Int((value * 100).rounded())
    let fraction = hundredths % 100
    return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
  }

  /// The load averages and runnable count of `/proc/loadavg` only.
  static func averages() -> SystemLoad {
    var load = SystemLoad()
    if let bytes = try? FileContents.read("/proc/loadavg", limit: 4096) {
      let fields = String(decoding: bytes, as: UTF8.self).split(separator: " ")
      if fields.count >= 4 {
        load.averages = fields[0..<3].map { Double($0) ?? -1 }
        load.runnable = Int(fields[3].split(separator: "/").first ?? "") ?? 0
      }
    }
    return load
  }

  static func current(temporaryDirectory: String) -> SystemLoad {
    var load = averages()
    let pageKiB = SystemResources.pageSize / 1024
    if let names = try? Directory.entries("/proc") {
      for name in names {
        guard name.first?.isNumber == true,
          let stat = try? FileContents.read("/proc/\(name)/stat", limit: 4096),
          let close = stat.lastIndex(of: UInt8(ascii: ")")),
          let open = stat.firstIndex(of: UInt8(ascii: "("))
        else { continue }
        let rest = String(decoding: stat[(close + 1)...], as: UTF8.self).split(separator: " ")
        // rest[0] = state, rest[21] = rss in pages.
        guard rest.count > 21 else { continue }
        if rest[0] == "D" { load.processesInD += 1 }
        let rss = (Int(rest[21]) ?? 0) * pageKiB
        if rss > load.maxRSS {
          load.maxRSS = rss
          load.maxRSSName = String(decoding: stat[open...close], as: UTF8.self)
        }
      }
    }
    if let free = try? SystemResources.freeSpace(at: temporaryDirectory) {
      load.freeMegabytes = Int(free / (1024 * 1024))
    }
    return load
  }
}
