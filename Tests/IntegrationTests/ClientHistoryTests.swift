import DistTestSupport
import Foundation
import Glibc
import Testing

/// The scheduler's `sched/history` shared by separate client processes: each job's end rewrites the file in
/// place under an open-file-description lock, so jobs finishing together lose no sample and leave no torn line.
@Suite(.serialized, .timeLimit(.minutes(1))) struct ClientHistoryTests {
  @Test func concurrentClientProcessesEachAddOneSample() throws {
    let (world, daemon) = try ClientWorld.withDaemon(.debian, hostOptions: "/8")
    defer { daemon.stop() }
    world.environment["DISTCC_FALLBACK"] = "0"
    let jobs = 8
    // One thread per client, all started before any is waited for.
    let runs = (0..<jobs).map { index in
      world.start([ClientHarness.distcc, "gcc", "-c", "hello.c", "-o", "out\(index).o"])
    }
    for (index, run) in runs.enumerated() {
      let finished = try #require(run.wait(), "job \(index)")
      #expect(finished.status == 0, "job \(index): \(finished.stderr)")
    }
    #expect(daemon.compiledJobs(expected: jobs) == jobs, "every job ran remotely")

    let text = try String(contentsOfFile: world.distccDir + "/sched/history", encoding: .utf8)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines.count == 2 && lines.last == "", "one line per host: \(text)")
    let fields = lines[0].split(separator: " ")
    #expect(fields.count == 5, "\(text)")
    #expect(fields.first.map(String.init) == "cpu_tcp_\(daemon.address)_\(daemon.port)", "\(text)")
    #expect(fields.count > 2 && Int(fields[2]) == jobs, "one sample per job, none lost: \(text)")
    #expect(
      lines[0].utf8.count == "cpu_tcp_\(daemon.address)_\(daemon.port)".utf8.count + 34,
      "fixed width: \(text)")
  }
}
