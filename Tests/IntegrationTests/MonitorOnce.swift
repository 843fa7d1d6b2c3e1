import DistTestSupport
import Foundation
import Glibc
import Testing

/// Our `distccmon-web` watching a `DISTCC_DIR` that a real client used: started, asked for `/api/state` until
/// `ready` holds (its sampler runs on a thread of its own), and stopped.
struct MonitorOnce {
  let state: [String: Any]
  /// The page as headless Chromium rendered it after its first poll (empty without Chromium).
  let renderedPage: String

  init(
    distccDir: String, logDirectory: String, until ready: ([String: Any]) -> Bool
  ) throws {
    let port = try FreePort.pick()
    let monitor = try BackgroundProcess(
      [Binaries.ours("distccmon-web"), "--port", "\(port)"],
      environment: ["DISTCC_DIR": distccDir, "PATH": "/usr/bin:/bin"],
      logPath: logDirectory + "/distccmon-web.log")
    defer { _ = monitor.stop() }
    try monitor.waitForLog("serving http://")
    var state: [String: Any] = [:]
    _ = try Wait.until(seconds: 10) {
      let (_, body) = try WebFarm.get("/api/state", host: "127.0.0.1", port: port)
      state = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
      return ready(state)
    }
    self.state = state
    if let chromium = MonitorWebTests.chromium {
      renderedPage = try MonitorWebTests.dumpDOM(chromium, "http://127.0.0.1:\(port)/").stdout
    } else {
      renderedPage = ""
    }
  }
}
