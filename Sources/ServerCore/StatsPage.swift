/// Which page a stats-port request asks for.
enum StatsPage: Equatable {
  case distccstats, metrics, json

  /// `GET /metrics` or `GET /stats.json` (a query string allowed); anything else gets 3.4's page.
  init(request: [UInt8]) {
    let line = request.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }
    let words = line.split(separator: UInt8(ascii: " "))
    guard words.count >= 2, words[0].elementsEqual("GET".utf8) else {
      self = .distccstats
      return
    }
    let path = words[1].prefix { $0 != UInt8(ascii: "?") }
    if path.elementsEqual("/metrics".utf8) {
      self = .metrics
    } else if path.elementsEqual("/stats.json".utf8) {
      self = .json
    } else {
      self = .distccstats
    }
  }

  /// An HTTP/1.0 reply with `body`.
  static func http(_ body: String, type: String) -> String {
    "HTTP/1.0 200 OK\r\nContent-Type: \(type)\r\nContent-Length: \(body.utf8.count)\r\n"
      + "Connection: close\r\n\r\n" + body
  }
}
