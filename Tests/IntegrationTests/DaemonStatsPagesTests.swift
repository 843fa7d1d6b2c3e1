import DistProtocol
import DistTestSupport
import Foundation
import Glibc
import Testing

/// The stats port (issue 7): 3.4's `<distccstats>` page, `GET /metrics` (Prometheus 0.0.4) and
/// `GET /stats.json`, with exact counts after a known mix of jobs against a real daemon.
@Suite struct DaemonStatsPagesTests {
  static func fetch(_ port: Int, _ request: String) throws -> String {
    let socket = try RawSocket()
    try socket.connect(host: "127.0.0.1", port: port)
    try socket.send(Array(request.utf8))
    return String(decoding: try #require(socket.readToEnd()), as: UTF8.self)
  }

  /// The body after the blank line of an HTTP reply with CRLF headers; checks status and content type.
  static func body(_ reply: String, type: String) throws -> String {
    let parts = reply.components(separatedBy: "\r\n\r\n")
    #expect(parts.count == 2)
    let head = parts[0].components(separatedBy: "\r\n")
    #expect(head.first == "HTTP/1.0 200 OK")
    #expect(head.contains("Content-Type: \(type)"))
    #expect(head.contains("Content-Length: \(parts.last!.utf8.count)"))
    return parts.last!
  }

  /// Samples of a Prometheus text page, `name{labels}` → value; every family has a TYPE line.
  static func samples(_ text: String) throws -> [String: Double] {
    var types: [String: String] = [:]
    var result: [String: Double] = [:]
    for line in text.split(separator: "\n") {
      if line.hasPrefix("# TYPE ") {
        let words = line.split(separator: " ")
        types[String(words[2])] = String(words[3])
        continue
      }
      if line.hasPrefix("#") { continue }
      let fields = line.split(separator: " ")
      #expect(fields.count == 2, "sample line \(line)")
      let key = String(fields[0])
      guard let value = Double(String(fields[1])) else {
        Issue.record("not a number in \(line)")
        continue
      }
      result[key] = value
      let name = String(key.prefix { $0 != "{" })
      let family = ["_bucket", "_sum", "_count"].reduce(name) { name, suffix in
        types[name] == nil && name.hasSuffix(suffix) ? String(name.dropLast(suffix.count)) : name
      }
      #expect(types[family] != nil, "no TYPE for \(family)")
    }
    return result
  }

  @Test func metricsAndJSONCountAKnownMixOfJobs() throws {
    let world = try DaemonWorld()
    let statsPort = try DaemonWorld.freePort(on: "127.0.0.1")
    try world.startDaemon(["--stats", "--stats-port", "\(statsPort)", "--jobs", "3"])
    let requests: [(bytes: [UInt8], result: String)] = [
      (try DaemonWorld.request(source: "int ok1;\n"), "COMPILE_OK"),
      (try DaemonWorld.request(.v2, source: "int ok2(void) { return 2; }\n"), "COMPILE_OK"),
      (try DaemonWorld.request(source: "int broken( {\n"), "COMPILE_ERROR"),
      (try DaemonWorld.request(extra: ["-fplugin=/tmp/x.so"]), "OTHER"),
      (Array("JUNKJUNKJUNK".utf8), "REJ_BAD_REQ"),
    ]
    var received = 0
    var sent = 0
    for (index, (bytes, result)) in requests.enumerated() {
      let reply = try #require(try world.exchange(bytes))
      received += bytes.count
      sent += reply.count
      let count = requests[...index].filter { $0.result == result }.count
      #expect(world.waitForSummaries(result, count: count), "\(result): \(world.log)")
    }

    // Connections close just after the reply: wait until the gauge says so.
    var metrics: [String: Double] = [:]
    for _ in 0..<100 {
      let reply = try Self.fetch(statsPort, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
      metrics = try Self.samples(
        try Self.body(reply, type: "text/plain; version=0.0.4; charset=utf-8"))
      if metrics["distccd_connections_open"] == 0 { break }
      usleep(20_000)
    }
    let expected: [String: Double] = [
      "COMPILE_OK": 2, "COMPILE_ERROR": 1, "COMPILE_TIMEOUT": 0, "CLI_DISCONN": 0,
      "REJ_BAD_REQ": 1, "REJ_OVERLOAD": 0, "OTHER": 1,
    ]
    for (result, count) in expected {
      #expect(metrics["distccd_jobs_total{result=\"\(result)\"}"] == count, "\(result)")
    }
    #expect(metrics["distccd_connections_accepted_total"] == 5)
    #expect(metrics["distccd_compile_duration_seconds_count"] == 3)
    #expect(metrics["distccd_compile_duration_seconds_bucket{le=\"+Inf\"}"] == 3)
    #expect((metrics["distccd_compile_duration_seconds_sum"] ?? -1) > 0)
    #expect(metrics["distccd_received_bytes_total"] == Double(received))
    #expect(metrics["distccd_sent_bytes_total"] == Double(sent))
    #expect(metrics["distccd_jobs_running"] == 0)
    #expect(metrics["distccd_jobs_capacity"] == 3)
    #expect(metrics["distccd_connections_open"] == 0)
    #expect(metrics["distccd_request_memory_bytes"] == 0)
    #expect((metrics["distccd_request_memory_limit_bytes"] ?? 0) > 0)
    #expect(metrics["distccd_load_average{minutes=\"15\"}"] != nil)

    let json = try Self.body(
      try Self.fetch(statsPort, "GET /stats.json HTTP/1.0\r\n\r\n"), type: "application/json")
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    let jobs = try #require(object["jobs"] as? [String: Int])
    #expect(jobs == expected.mapValues { Int($0) })
    #expect(object["received_bytes"] as? Int == received)
    #expect(object["sent_bytes"] as? Int == sent)
    #expect(object["jobs_capacity"] as? Int == 3)
    #expect(object["connections_accepted"] as? Int == 5)
    let durations = try #require(object["compile_duration_seconds"] as? [String: Any])
    #expect(durations["count"] as? Int == 3)
    #expect((object["load_average"] as? [Double])?.count == 3)
    let longest = try #require(object["longest_job"] as? [String: Any])
    #expect(longest["source"] as? String == "t.c")
    // The compilers the daemon ran, identified as the compiler identity check and the reply trailer do.
    let compilers = try #require(object["compilers"] as? [[String: String]])
    #expect(compilers.count == 1, "\(compilers)")
    let gcc = try #require(compilers.first)
    #expect(gcc["path"]?.hasPrefix("/") == true && gcc["path"]?.contains("gcc") == true, "\(gcc)")
    #expect(gcc["family"] == "gcc")
    #expect(
      gcc["version"]
        == (try runChecked(["gcc", "-dumpfullversion"])).trimmingCharacters(in: .newlines))
    #expect(
      gcc["target"] == (try runChecked(["gcc", "-dumpmachine"])).trimmingCharacters(in: .newlines))
    #expect(gcc["fingerprint"]?.count == 16)

    // 3.4's page, unchanged, for any other request.
    let page = try Self.fetch(statsPort, "GET / HTTP/1.0\r\n\r\n")
    #expect(page.hasPrefix("HTTP/1.0 200 OK\nContent-Type: text/plain\nConnection: close\n\n"))
    for line in [
      "dcc_tcp_accept 5", "dcc_compile_ok 2", "dcc_compile_error 1", "dcc_rej_bad_req 1",
      "dcc_other 1", "dcc_rej_overload 0", "dcc_max_kids 3", "</distccstats>",
    ] {
      #expect(page.contains("\n\(line)\n"), "missing \(line)")
    }
  }

  @Test(arguments: [
    ("GET /metrics HTTP/1.1\r\n", "metrics"), ("GET /metrics?x=1 HTTP/1.0\r\n", "metrics"),
    ("GET /stats.json HTTP/1.0\n", "json"), ("GET / HTTP/1.0\r\n", "3.4"), ("", "3.4"),
    ("POST /metrics HTTP/1.0\r\n", "3.4"), ("GET /metricsx HTTP/1.0\r\n", "3.4"),
  ])
  func requestsPickTheirPage(request: String, page: String) throws {
    let world = try DaemonWorld()
    let statsPort = try DaemonWorld.freePort(on: "127.0.0.1")
    try world.startDaemon(["--stats", "--stats-port", "\(statsPort)"])
    let reply = try Self.fetch(statsPort, request)
    switch page {
    case "metrics": #expect(reply.contains("# TYPE distccd_jobs_total counter\n"))
    case "json": #expect(reply.hasSuffix("}\n") && reply.contains("\"jobs\":{"))
    default: #expect(reply.contains("\n<distccstats>\n"))
    }
  }
}
