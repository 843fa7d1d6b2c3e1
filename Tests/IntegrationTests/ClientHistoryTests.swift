import Foundation
import Glibc
import Testing

/// The scheduler's `sched/history` shared by separate client processes: each job's end rewrites the file in
/// place under an open-file-description lock, so jobs finishing together lose no sample and leave no torn line.
@Suite(.serialized, .timeLimit(.minutes(1))) struct ClientHistoryTests {
  @Test func concurrentClientProcessesEachAddOneSample() throws {
    let logs = try ClientTempDirectory()
    let daemon = try RealDaemon(.debian, address: "127.0.0.31", logDirectory: logs.path)
    defer { daemon.stop() }
    let world = try ClientWorld(hosts: daemon.hostSpec + "/8")
    let environment = world.environment.merging(["DISTCC_FALLBACK": "0"]) { $1 }
    let directory = world.path
    let jobs = 8
    let results = ResultBox(count: jobs)
    // One thread per client, all started before any is waited for (concurrentPerform would run only as
    // many at once as there are cores).
    let group = DispatchGroup()
    for index in 0..<jobs {
      group.enter()
      Thread.detachNewThread {
        results.set(
          index,
          Result {
            try runProcess(
              [ClientHarness.distcc, "gcc", "-c", "hello.c", "-o", "out\(index).o"],
              environment: environment,
              in: directory)
          })
        group.leave()
      }
    }
    group.wait()
    for (index, result) in results.values.enumerated() {
      let finished = try #require(try result?.get(), "job \(index)")
      #expect(finished.status == 0, "job \(index): \(finished.stderr)")
    }
    #expect(daemon.compiledJobs(expected: jobs) == jobs, "every job ran remotely")

    let text = try String(contentsOfFile: world.distccDir + "/sched/history", encoding: .utf8)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines.count == 2 && lines.last == "", "one line per host: \(text)")
    let fields = lines[0].split(separator: " ")
    #expect(fields.count == 5, "\(text)")
    #expect(fields.first.map(String.init) == "cpu_tcp_127.0.0.31_\(daemon.port)", "\(text)")
    #expect(fields.count > 2 && Int(fields[2]) == jobs, "one sample per job, none lost: \(text)")
    #expect(
      lines[0].utf8.count == "cpu_tcp_127.0.0.31_\(daemon.port)".utf8.count + 34,
      "fixed width: \(text)")
  }
}

/// Results of concurrent runs, by index.
private final class ResultBox: @unchecked Sendable {  // `values` only under `lock`
  private let lock = NSLock()
  private var storage: [Result<ProcessResult, any Error>?]

  init(count: Int) { storage = Array(repeating: nil, count: count) }

  func set(_ index: Int, _ result: Result<ProcessResult, any Error>) {
    lock.withLock { storage[index] = result }
  }

  var values: [Result<ProcessResult, any Error>?] { lock.withLock { storage } }
}
