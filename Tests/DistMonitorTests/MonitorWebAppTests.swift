import DistMonitor
import DistPosix
import DistState
import DistTestSupport
import Foundation
import Testing

@Suite struct MonitorWebAppTests {
  /// Pids that `kill(pid, 0)` finds alive, so hand-made records are not orphans.
  static let livePids: [Int64] = [1, Int64(getpid()), Int64(getppid())]

  func makeApp(_ directory: TestDirectory) throws -> MonitorWebApp {
    let state = StateDirectory(distccDirectory: directory.path)
    try state.create()
    try directory.makeDirectories(directory.appending("lock"))
    return MonitorWebApp(configuration: .init(stateDirectory: state, backoffPeriod: 60))
  }

  func put(_ record: StateRecord, in directory: TestDirectory, as name: String) throws {
    _ = try directory.write("state/" + name, bytes: record.encode())
  }

  func json(_ response: HTTPResponse) throws -> [String: Any] {
    #expect(response.status == 200)
    #expect(response.contentType == "application/json")
    return try #require(
      try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
  }

  func state(_ app: MonitorWebApp, since: Int64? = nil) throws -> [String: Any] {
    try json(
      app.handle(
        HTTPRequest(
          method: "GET", path: "/api/state", query: since.map { ["since": "\($0)"] } ?? [:])))
  }

  @Test func reportsJobsAsStateFilesAppearAndDisappear() throws {
    let directory = try TestDirectory()
    let app = try makeApp(directory)
    let now = MonitorWebApp.currentTime()
    try put(
      StateRecord(pid: Self.livePids[0], file: "a.c", host: "red", slot: 0, phase: .compile),
      in: directory, as: "binstate_1")
    try put(
      StateRecord(pid: Self.livePids[1], file: "", host: "localhost", slot: 1, phase: .preprocess),
      in: directory, as: "binstate_2")
    try put(
      StateRecord(pid: Self.livePids[2], file: "b.c", host: "blue", slot: 3, phase: .send),
      in: directory, as: "binstate_3")
    try app.sample(at: now)

    var document = try state(app)
    #expect((document["now"] as? Int64).map { $0 >= now } == true)
    #expect(document["window"] as? Int == 600_000)
    var hosts = try #require(document["hosts"] as? [[String: Any]])
    #expect(hosts.map { $0["name"] as? String } == ["blue", "localhost", "red"])
    #expect(hosts.map { $0["slots"] as? [Int] } == [[3], [1], [0]])
    #expect(hosts.map { $0["running"] as? Int } == [1, 1, 1])
    #expect(hosts.allSatisfy { $0["stats"] is NSNull && $0["backedOffUntil"] is NSNull })
    var spans = try #require(document["spans"] as? [[String: Any]])
    #expect(spans.count == 3)
    #expect(Set(spans.compactMap { $0["phase"] as? String }) == ["Compile", "Preprocess", "Send"])
    #expect(spans.allSatisfy { $0["end"] is NSNull && $0["start"] as? Int64 == now })

    // The job on red ends; blue's client moves on to compiling.
    try FileManager.default.removeItem(atPath: directory.appending("state/binstate_1"))
    try put(
      StateRecord(pid: Self.livePids[2], file: "b.c", host: "blue", slot: 3, phase: .compile),
      in: directory, as: "binstate_3")
    try app.sample(at: now + 1500)
    document = try state(app, since: now + 1000)
    hosts = try #require(document["hosts"] as? [[String: Any]])
    let red = try #require(hosts.first { $0["name"] as? String == "red" })
    #expect(red["jobs"] as? Int == 1)
    #expect(red["running"] as? Int == 0)
    #expect(red["averageMs"] as? Int == 1500)
    spans = try #require(document["spans"] as? [[String: Any]])
    // Changed since: red's span closed, blue's Send closed and its Compile opened, localhost's still open.
    #expect(spans.count == 4)
    #expect(spans.filter { $0["end"] is NSNull }.count == 2)
    #expect(spans.contains { $0["host"] as? String == "red" && $0["end"] as? Int64 == now + 1500 })
  }

  @Test func marksBackedOffHosts() throws {
    let directory = try TestDirectory()
    let app = try makeApp(directory)
    _ = try directory.write("lock/backoff_tcp_127.0.0.9_3632_0", bytes: [UInt8(ascii: "x")])
    let now = MonitorWebApp.currentTime()
    try app.sample(at: now)
    let hosts = try #require(try state(app)["hosts"] as? [[String: Any]])
    #expect(hosts.count == 1)
    #expect(hosts[0]["name"] as? String == "127.0.0.9")
    #expect(hosts[0]["backoffs"] as? Int == 1)
    let until = try #require(hosts[0]["backedOffUntil"] as? Int64)
    #expect(until > now && until <= now + 61_000)
  }

  @Test func listsTheHostListsHostsWhileIdle() throws {
    let directory = try TestDirectory()
    let configuration = try MonitorWebApp.Configuration(environment: [
      "DISTCC_DIR": directory.path, "DISTCC_HOSTS": "red:4000/3 @blue/2 localhost/1 red/2",
    ])
    #expect(configuration.configuredHosts == ["red": 3, "blue": 2, "localhost": 1])
    let app = MonitorWebApp(configuration: configuration)
    try app.sample()
    let hosts = try #require(try state(app)["hosts"] as? [[String: Any]])
    #expect(hosts.map { $0["name"] as? String } == ["blue", "localhost", "red"])
    #expect(hosts.map { $0["slots"] as? [Int] } == [[0, 1], [0], [0, 1, 2]])
    #expect(hosts.allSatisfy { $0["configured"] as? Bool == true && $0["running"] as? Int == 0 })
    _ = try directory.write("hosts", "green/4\n")
    #expect(
      try MonitorWebApp.Configuration(environment: ["DISTCC_DIR": directory.path]).configuredHosts
        == ["green": 4])
  }

  @Test func reportsAnUnreachableDaemonsStats() throws {
    let directory = try TestDirectory()
    let dead = try LoopbackAddress.pick()
    var configuration = MonitorWebApp.Configuration(
      stateDirectory: StateDirectory(distccDirectory: directory.path))
    configuration.statsSources = [try DaemonStatsSource("\(dead)")]
    let app = MonitorWebApp(configuration: configuration)
    app.pollStats()
    let hosts = try #require(try state(app)["hosts"] as? [[String: Any]])
    #expect(hosts.count == 1)
    #expect(hosts[0]["name"] as? String == dead.address)
    #expect(hosts[0]["stats"] is NSNull)
    let error = try #require(hosts[0]["statsError"] as? String)
    #expect(error.hasPrefix("stats of \(dead): "))
    #expect(error.contains("refused"))
  }

  @Test func servesASelfContainedPage() throws {
    let directory = try TestDirectory()
    let response = try makeApp(directory).handle(HTTPRequest(method: "GET", path: "/"))
    #expect(response.status == 200)
    #expect(response.contentType == "text/html; charset=utf-8")
    let page = String(decoding: response.body, as: UTF8.self)
    #expect(page.hasPrefix("<!DOCTYPE html>"))
    #expect(page.contains("<canvas"))
    #expect(page.contains("/api/state"))
    #expect(!page.contains("http://") && !page.contains("https://") && !page.contains("src=\""))
  }

  @Test(arguments: [
    (HTTPRequest(method: "GET", path: "/nope"), 404),
    (HTTPRequest(method: "POST", path: "/api/state"), 405),
    (HTTPRequest(method: "GET", path: "/healthz"), 200),
  ])
  func answersOtherRequests(request: HTTPRequest, status: Int) throws {
    let directory = try TestDirectory()
    #expect(try makeApp(directory).handle(request).status == status)
  }

  @Test func servesOverARealSocket() throws {
    let directory = try TestDirectory()
    let app = try makeApp(directory)
    try put(
      StateRecord(pid: 1, file: "s.c", host: "red", slot: 0, phase: .send), in: directory,
      as: "binstate_1")
    try app.sample()
    let server = try MonitorHTTPServer(host: "127.0.0.1", port: 0)
    let finished = DispatchSemaphore(value: 0)
    try PosixThread.detach {
      try? server.run { app.handle($0) }
      finished.signal()
    }
    defer {
      server.stop()
      finished.wait()
    }
    let (head, body) = try Self.get("/api/state", port: server.port)
    #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n"))
    #expect(head.contains("Content-Length: \(body.count)\r\n"))
    let document = try #require(
      try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
    #expect((document["spans"] as? [[String: Any]])?.first?["file"] as? String == "s.c")
    let (headOnly, empty) = try Self.get("/", port: server.port, method: "HEAD")
    #expect(headOnly.hasPrefix("HTTP/1.1 200 OK") && empty.isEmpty)
    let (bad, _) = try Self.raw("NONSENSE\r\n\r\n", port: server.port)
    #expect(bad.hasPrefix("HTTP/1.1 400 Bad Request"))
  }

  static func get(_ path: String, port: UInt16, method: String = "GET") throws -> (String, [UInt8])
  {
    try raw("\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", port: port)
  }

  static func raw(_ request: String, port: UInt16) throws -> (String, [UInt8]) {
    let address = try #require(SocketAddress(numericHost: "127.0.0.1", port: port))
    let socket = try Socket.connect(to: address, deadline: .after(seconds: 5))
    defer { socket.closeIgnoringErrors() }
    try socket.writeAll(Array(request.utf8), deadline: .after(seconds: 5))
    let reply = try socket.readToEnd(limit: 1 << 20, deadline: .after(seconds: 5))
    let split = try #require(reply.firstRange(of: Array("\r\n\r\n".utf8)))
    return (
      String(decoding: reply[..<split.upperBound], as: UTF8.self), Array(reply[split.upperBound...])
    )
  }
}

@Suite struct MonitorWebOptionsTests {
  @Test func defaultsToLoopback() throws {
    let options = try MonitorWebOptions([])
    #expect(options.listen == "127.0.0.1")
    #expect(options.port == 3634)
    #expect(options.daemonStats.isEmpty)
  }

  @Test func parsesEveryOption() throws {
    let options = try MonitorWebOptions([
      "--listen", "0.0.0.0", "--port=0", "--daemon-stats", "127.0.0.2:3633",
      "--daemon-stats=[::1]:4000",
      "--window", "5",
    ])
    #expect(options.listen == "0.0.0.0")
    #expect(options.port == 0)
    #expect(options.daemonStats.map(\.host) == ["127.0.0.2", "::1"])
    #expect(options.windowMinutes == 5)
  }

  @Test(arguments: [
    (["--port"], "option --port needs a value"),
    (["--port", "x"], "bad --port \"x\": expected 0-65535"),
    (["--bogus"], "unknown option \"--bogus\""),
    (["--window", "0"], "bad --window \"0\": expected minutes from 1 to 1440"),
    (["--daemon-stats", "red"], "bad daemon stats address \"red\": expected HOST:PORT"),
  ])
  func namesTheCulprit(arguments: [String], message: String) {
    #expect(throws: MonitorWebError.badOption(message)) { try MonitorWebOptions(arguments) }
  }
}
