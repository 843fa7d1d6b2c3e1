import DistProtocol

/// How a served connection ended: 3.4's job-summary categories (daemon.md §11.2).
enum JobResult: String, Sendable, CaseIterable {
  case compileOK = "COMPILE_OK"
  case compileError = "COMPILE_ERROR"
  case compileTimeout = "COMPILE_TIMEOUT"
  case clientDisconnected = "CLI_DISCONN"
  case badRequest = "REJ_BAD_REQ"
  case overloaded = "REJ_OVERLOAD"
  case other = "OTHER"
}

/// One job's summary: the counters and the `dcc_job_summary` line come from it.
struct JobSummary: Sendable {
  var result: JobResult
  var status: UInt32 = 0
  /// 3.4's internal result code (`ret:`): nil for 0, a job that ran and was answered.
  var code: ExitCode? = nil
  var milliseconds: Int = 0
  var compiler: String = ""
  var source: String = ""
  /// Request bytes read and reply bytes written on the connection.
  var bytesReceived = 0
  var bytesSent = 0

  /// The `ret:` number.
  var ret: Int32 { code?.rawValue ?? 0 }

  /// `client: PEER RESULT exit:E sig:S core:C ret:R time:Nms [COMPILER SOURCE]`.
  func line(peer: String) -> String {
    let signal = Int(status & 0x7f)
    let exit = signal == 0 ? Int((status >> 8) & 0xff) : 0
    let core = status & 0x80 != 0 ? 1 : 0
    let tail = result == .compileOK || result == .compileError ? "\(compiler) \(source)" : ""
    return
      "client: \(peer) \(result.rawValue) exit:\(exit) sig:\(signal) core:\(core) ret:\(ret) time:\(milliseconds)ms \(tail)"
  }
}
