import DistProtocol

/// Recognises our daemon's policy refusals: a complete reply with exit status 150 whose `SERR` is one
/// `distccd[PID] (dcc_refuse_job) …` line (ServerCore's `JobService.refuse`). Such a host is healthy, so the
/// client shows the reason and compiles elsewhere without backing it off.
enum PolicyRefusal {
  /// The exit status our daemon answers refusals with.
  static let status = ExitCode.policyRefusal.waitStatus
  /// The function name our daemon writes in the refusal line.
  static let marker = Array(" (dcc_refuse_job) ".utf8)

  /// The refusal text without the `distccd[PID] (dcc_refuse_job) ` prefix and severity, or `nil` if `response` is not a
  /// refusal.
  static func reason(in response: Response) -> String? {
    guard response.status == status, response.stderr.starts(with: Array("distccd[".utf8)),
      let range = response.stderr.firstRange(of: marker)
    else { return nil }
    var text = response.stderr[range.upperBound...]
    while text.last == UInt8(ascii: "\n") { text.removeLast() }
    var reason = String(decoding: text, as: UTF8.self)
    for prefix in ["EMERGENCY! ", "ALERT! ", "CRITICAL! ", "ERROR: ", "Warning: "]
    where reason.hasPrefix(prefix) {
      reason.removeFirst(prefix.count)
    }
    return reason
  }
}
