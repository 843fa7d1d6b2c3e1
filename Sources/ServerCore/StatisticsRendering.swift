import CompilerIdentity
import JSONFormat

/// The live figures that are not counters, read when a stats page is rendered.
struct StatisticsGauges: Sendable {
  var runningJobs: Int
  var jobCapacity: Int
  var openConnections: Int
  var requestMemoryUsed: Int
  var requestMemoryLimit: Int
  /// 1, 5 and 15 minute load averages (-1 if unknown).
  var loadAverages: [Double]
  /// The compilers this daemon has identified (for the compiler identity check and the reply trailer).
  var compilers: [(path: String, identity: CompilerIdentity)] = []
}

/// The stats port's machine-readable pages: `GET /metrics` (Prometheus text exposition format 0.0.4) and
/// `GET /stats.json`, over the same snapshot as 3.4's `<distccstats>` page.
extension ServerStatistics {
  /// Prometheus text format 0.0.4 (`Content-Type: text/plain; version=0.0.4`).
  func metrics(_ gauges: StatisticsGauges) -> String {
    let c = snapshot
    var out = ""
    func family(_ name: String, _ type: String, _ help: String) {
      out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }
    func sample(_ name: String, labels: String = "", _ value: String) {
      out += "\(name)\(labels.isEmpty ? "" : "{\(labels)}") \(value)\n"
    }
    family("distccd_jobs_total", "counter", "Connections served, by 3.4's job result.")
    for result in JobResult.allCases {
      sample(
        "distccd_jobs_total", labels: "result=\"\(result.rawValue)\"",
        "\(c.results[result, default: 0])")
    }
    family("distccd_connections_accepted_total", "counter", "TCP connections accepted.")
    sample("distccd_connections_accepted_total", "\(c.accepted)")
    family(
      "distccd_compile_duration_seconds", "histogram",
      "Time from accept to reply of jobs that ran a compiler.")
    for (bound, cumulative) in c.cumulativeCompileBuckets {
      let le = bound.isInfinite ? "+Inf" : Self.number(bound)
      sample("distccd_compile_duration_seconds_bucket", labels: "le=\"\(le)\"", "\(cumulative)")
    }
    sample("distccd_compile_duration_seconds_sum", Self.number(c.compileSeconds))
    sample("distccd_compile_duration_seconds_count", "\(c.compileCount)")
    // One sample each, without labels.
    let scalars: [(name: String, type: String, help: String, value: Int)] = [
      (
        "distccd_received_bytes_total", "counter", "Request bytes read from clients.",
        c.bytesReceived
      ),
      ("distccd_sent_bytes_total", "counter", "Reply bytes written to clients.", c.bytesSent),
      ("distccd_jobs_running", "gauge", "Compile slots in use.", gauges.runningJobs),
      ("distccd_jobs_capacity", "gauge", "Compile slots (--jobs).", gauges.jobCapacity),
      (
        "distccd_connections_open", "gauge", "Connections open, reading or compiling.",
        gauges.openConnections
      ),
      (
        "distccd_request_memory_bytes", "gauge", "Request-body memory reserved now.",
        gauges.requestMemoryUsed
      ),
      (
        "distccd_request_memory_limit_bytes", "gauge", "--max-request-memory.",
        gauges.requestMemoryLimit
      ),
    ]
    for metric in scalars {
      family(metric.name, metric.type, metric.help)
      sample(metric.name, "\(metric.value)")
    }
    family("distccd_load_average", "gauge", "System load average.")
    for (minutes, value) in zip([1, 5, 15], gauges.loadAverages) {
      sample("distccd_load_average", labels: "minutes=\"\(minutes)\"", Self.number(value))
    }
    return out
  }

  /// The same snapshot as one JSON object.
  func json(_ gauges: StatisticsGauges) -> String {
    let c = snapshot
    let results = JobResult.allCases.map { "\"\($0.rawValue)\":\(c.results[$0, default: 0])" }
    let buckets = c.cumulativeCompileBuckets.map { bound, cumulative in
      "{\"le\":\(bound.isInfinite ? "\"+Inf\"" : Self.number(bound)),\"count\":\(cumulative)}"
    }
    let fields = [
      "\"jobs\":{\(results.joined(separator: ","))}",
      "\"connections_accepted\":\(c.accepted)",
      "\"compile_duration_seconds\":{\"count\":\(c.compileCount),\"sum\":\(Self.number(c.compileSeconds)),"
        + "\"buckets\":[\(buckets.joined(separator: ","))]}",
      "\"received_bytes\":\(c.bytesReceived)",
      "\"sent_bytes\":\(c.bytesSent)",
      "\"longest_job\":{\"source\":\(JSONText.quoted(c.longestJob)),"
        + "\"compiler\":\(JSONText.quoted(c.longestJobCompiler)),\"milliseconds\":\(c.longestJobMilliseconds)}",
      "\"jobs_running\":\(gauges.runningJobs)",
      "\"jobs_capacity\":\(gauges.jobCapacity)",
      "\"connections_open\":\(gauges.openConnections)",
      "\"request_memory_bytes\":\(gauges.requestMemoryUsed)",
      "\"request_memory_limit_bytes\":\(gauges.requestMemoryLimit)",
      "\"load_average\":[\(gauges.loadAverages.map(Self.number).joined(separator: ","))]",
      "\"compilers\":[\(gauges.compilers.map(Self.compilerJSON).joined(separator: ","))]",
    ]
    return "{\(fields.joined(separator: ","))}\n"
  }

  /// One compiler of ``StatisticsGauges/compilers``: its path and identity's four words.
  static func compilerJSON(_ compiler: (path: String, identity: CompilerIdentity)) -> String {
    let identity = compiler.identity
    return
      "{\"path\":\(JSONText.quoted(compiler.path)),\"family\":\(JSONText.quoted(identity.family)),"
      + "\"version\":\(JSONText.quoted(identity.version)),\"target\":\(JSONText.quoted(identity.target)),"
      + "\"fingerprint\":\(JSONText.quoted(identity.fingerprint))}"
  }

  /// A finite number as Prometheus and JSON both read it (at most three decimals, no exponent).
  static func number(_ value: Double) -> String {
    let thousandths = Int((value * 1000).rounded())
    let sign = thousandths < 0 ? "-" : ""
    let magnitude = abs(thousandths)
    let fraction = magnitude % 1000
    guard fraction != 0 else { return "\(sign)\(magnitude / 1000)" }
    var digits = String(fraction)
    digits = String(repeating: "0", count: 3 - digits.count) + digits
    while digits.hasSuffix("0") { digits.removeLast() }
    return "\(sign)\(magnitude / 1000).\(digits)"
  }

}

extension ServerStatistics.Counters {
  /// Each histogram bound with the number of compiles that took at most that long (Prometheus's `le`
  /// buckets, cumulative), for both machine-readable pages.
  var cumulativeCompileBuckets: [(bound: Double, count: Int)] {
    var running = 0
    return zip(ServerStatistics.compileBucketBounds, compileBuckets).map { bound, count in
      running += count
      return (bound, running)
    }
  }
}
