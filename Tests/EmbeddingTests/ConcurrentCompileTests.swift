import ClientCore
import ClientCoreLogging
import DistTestSupport
import Logging
import Synchronization
import Testing

/// Many `compile` calls of one process at once against Debian's daemon and ours.
@Suite(
  .serialized, .timeLimit(.minutes(3)),
  .enabled(if: Binaries.hasDebianDistcc, "needs Debian's distccd"))
struct ConcurrentCompileTests {
  /// 64 calls, each file with its own `#warning`: every call succeeds on a host, gets its own warning and no
  /// other, and its object is written; both daemons take jobs.
  @Test func sixtyFourConcurrentCallsGetTheirOwnDiagnostics() async throws {
    let farm = try await EmbeddingFarm()
    let compiler = try farm.compiler(hosts: farm.bothHosts)
    for n in 0..<64 {
      _ = try farm.directory.write(
        "src/f\(n).c", "#warning \"only in file \(n)\"\nint f\(n)(void) { return \(n); }\n")
    }
    let source = farm.directory.appending("src")
    let outcomes = try await withThrowingTaskGroup(of: (Int, CompileOutcome).self) { group in
      for n in 0..<64 {
        group.addTask {
          (n, try await compiler.compile(["gcc", "-c", "f\(n).c", "-o", "f\(n).o"], in: source))
        }
      }
      var all: [Int: CompileOutcome] = [:]
      for try await (n, outcome) in group { all[n] = outcome }
      return all
    }
    try await farm.stop()
    #expect(outcomes.count == 64)
    var hosts: Set<String> = []
    for (n, outcome) in outcomes {
      let diagnostics = String(decoding: outcome.standardError, as: UTF8.self)
      #expect(outcome.status == 0, "f\(n).c: \(diagnostics)")
      #expect(diagnostics.contains("only in file \(n)\""), "f\(n).c got: \(diagnostics)")
      let mentioned = Set(
        diagnostics.split(separator: "only in file ").dropFirst().map { $0.prefix { $0.isNumber } })
      #expect(mentioned == ["\(n)"], "f\(n).c got: \(diagnostics)")
      #expect(outcome.standardOutput.isEmpty)
      #expect(farm.directory.exists("src/f\(n).o"))
      if case .remote(let host) = outcome.placement {
        hosts.insert(host)
      } else {
        Issue.record("f\(n).c ran locally: \(outcome.placement)")
      }
      #expect(outcome.timings.compile + outcome.timings.send + outcome.timings.receive >= 0)
    }
    #expect(hosts == ["\(farm.debianEndpoint)/4", "\(farm.ourHost)/4"])
  }

  /// A command that cannot be distributed runs here and says why; its error output is the call's own, and a
  /// caller-supplied logger gets the library's lines.
  @Test func localCompileCapturesOutputAndLogs() async throws {
    let farm = try await EmbeddingFarm()
    _ = try farm.directory.write("src/bad.c", "int main(void) { return undeclared; }\n")
    let compiler = try farm.compiler(hosts: farm.bothHosts)
    let lines = LineCollector()
    var logger = Logger(label: "test") { _ in lines }
    logger.logLevel = .info
    let outcome = try await compiler.compile(
      ["gcc", "bad.c", "-o", "bad"], in: farm.directory.appending("src"), logger: logger)
    #expect(outcome.status == 1)
    #expect(String(decoding: outcome.standardError, as: UTF8.self).contains("undeclared"))
    #expect(outcome.placement == .local(reason: "compiler apparently called not for compile"))
    #expect(!farm.directory.exists("src/bad"))
    #expect(
      lines.messages.contains { $0.contains("compile bad.c on localhost failed") },
      "\(lines.messages)")
    try await farm.stop()
  }
}

/// A `LogHandler` keeping the messages it is given.
final class LineCollector: LogHandler, @unchecked Sendable {  // messages behind the lock
  private let lock = Mutex<[String]>([])
  var metadata: Logger.Metadata = [:]
  var logLevel: Logger.Level = .trace
  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }
  var messages: [String] { lock.withLock { $0 } }
  func log(event: LogEvent) {
    lock.withLock { $0.append("\(event.message)") }
  }
}
