/// A request to the monitor's HTTP server: only the request line matters.
public struct HTTPRequest: Sendable, Hashable {
  public var method: String
  /// The path without its query, e.g. `/api/state`.
  public var path: String
  /// Query parameters (no percent-decoding: the monitor's parameters are numbers).
  public var query: [String: String]

  public init(method: String, path: String, query: [String: String] = [:]) {
    self.method = method
    self.path = path
    self.query = query
  }

  /// Parses the request line of an HTTP/1.x request head; `nil` if it is not one.
  public init?(head: [UInt8]) {
    guard let lineEnd = head.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
    let line = String(decoding: head[..<lineEnd], as: UTF8.self).trimmingSuffix("\r")
    let parts = line.split(separator: " ", omittingEmptySubsequences: true)
    guard parts.count == 3, parts[2].hasPrefix("HTTP/1."), parts[1].hasPrefix("/") else {
      return nil
    }
    method = String(parts[0])
    let target = parts[1]
    if let mark = target.firstIndex(of: "?") {
      path = String(target[..<mark])
      query = [:]
      for pair in target[target.index(after: mark)...].split(separator: "&") {
        let sides = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        query[String(sides[0])] = sides.count > 1 ? String(sides[1]) : ""
      }
    } else {
      path = String(target)
      query = [:]
    }
  }
}

/// A complete response; the server closes the connection after it.
public struct HTTPResponse: Sendable, Hashable {
  public var status: Int
  public var reason: String
  public var contentType: String
  public var body: [UInt8]

  public init(status: Int, reason: String, contentType: String, body: [UInt8]) {
    self.status = status
    self.reason = reason
    self.contentType = contentType
    self.body = body
  }

  public static func text(_ status: Int, _ reason: String, _ body: String) -> HTTPResponse {
    HTTPResponse(
      status: status, reason: reason, contentType: "text/plain; charset=utf-8",
      body: Array(body.utf8))
  }

  /// The bytes on the wire; `includeBody` is false for `HEAD`.
  public func encoded(includeBody: Bool = true) -> [UInt8] {
    let head =
      "HTTP/1.1 \(status) \(reason)\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n"
      + "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n"
    return Array(head.utf8) + (includeBody ? body : [])
  }
}

extension String {
  fileprivate func trimmingSuffix(_ suffix: String) -> String {
    hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
  }
}
