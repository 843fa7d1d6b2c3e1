import DistTestSupport
import HostSpec
import Testing

/// Our parse against Debian's distcc 3.4 (`distcc --show-hosts` and `distcc -j`) on generated lists.
@Suite struct DifferentialTests {
  static let listCount = 1200

  @Test(
    .enabled(
      if: RealDistcc.isInstalled, "\(RealDistcc.path) is not installed: differential test skipped"))
  func agreesWithDistcc34OnGeneratedLists() async throws {
    var generator = HostListGenerator(seed: 0x6469_7374_6363)
    let lists = (0..<Self.listCount).map { _ in generator.list() }
    let directory = try TestDirectory()
    defer { withExtendedLifetime(directory) {} }
    let environment = [
      "DISTCC_DIR": directory.path, "HOME": directory.path, "PATH": "/usr/bin:/bin",
    ]
    let invocations = lists.flatMap { list in
      ["--show-hosts", "-j"].map { option in
        RealDistcc.Invocation(
          arguments: [option], environment: environment.merging(["DISTCC_HOSTS": list]) { $1 })
      }
    }
    let outputs = try await RealDistcc.run(invocations)
    try #require(outputs.count == invocations.count)

    var mismatches: [String] = []
    var accepted = 0
    for (index, list) in lists.enumerated() {
      let show = outputs[2 * index]
      let jobs = outputs[2 * index + 1]
      if let problem = compare(list, show: show, jobs: jobs) {
        mismatches.append("\(String(reflecting: list)): \(problem)")
      }
      if !show.failedToGetHostList { accepted += 1 }
    }
    #expect(
      mismatches.isEmpty,
      "\(mismatches.count) disagreements:\n\(mismatches.prefix(25).joined(separator: "\n"))")
    // The generator must exercise both outcomes substantially.
    #expect(accepted > Self.listCount / 5)
    #expect(accepted < Self.listCount * 4 / 5)
  }

  /// Nil if our parse agrees with 3.4's output, else what differs.
  private func compare(_ list: String, show: RealDistcc.Output, jobs: RealDistcc.Output) -> String?
  {
    guard show.exitCode == 0, jobs.exitCode == 0 else {
      return "distcc exited \(show.exitCode)/\(jobs.exitCode)"
    }
    guard show.failedToGetHostList == jobs.failedToGetHostList else {
      return "--show-hosts and -j disagree"
    }
    do {
      let parsed = try HostList.parse(list)
      if show.failedToGetHostList { return "we accept, 3.4 rejects: \(show.stderr)" }
      var ours = parsed.showHostsLines()
      var theirs = show.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(
        String.init)
      guard theirs.popLast() == "" else { return "--show-hosts output does not end in a newline" }
      if parsed.randomize {  // 3.4 shuffles by its pid
        ours.sort()
        theirs.sort()
      }
      if ours != theirs { return "--show-hosts: ours \(ours), 3.4 \(theirs)" }
      if jobs.stdout != "\(parsed.concurrencyLevel)\n" {
        return "-j: ours \(parsed.concurrencyLevel), 3.4 \(String(reflecting: jobs.stdout))"
      }
      let warnedLocalSlots = parsed.warnings.contains {
        if case .badLocalSlots = $0 { true } else { false }
      }
      if warnedLocalSlots != show.stderr.contains("bad multiplier") {
        return
          "bad local slots: we warn \(warnedLocalSlots), 3.4 logged \(String(reflecting: show.stderr))"
      }
      return nil
    } catch {
      if !show.failedToGetHostList { return "we reject (\(error)), 3.4 accepts \(show.stdout)" }
      if !show.stdout.isEmpty || !jobs.stdout.isEmpty {
        return "3.4 printed hosts for a rejected list"
      }
      let expected = Self.messageFragment(for: error)
      if !Self.lastError(in: show.stderr).contains(expected) {
        return "ours \(error), 3.4 \(String(reflecting: show.stderr))"
      }
      return nil
    }
  }

  /// The words of 3.4's message for the same failure.
  static func messageFragment(for error: HostSpecError) -> String {
    switch error {
    case .badLimit: "bad multiplier"
    case .badPort: "invalid tcp port specification"
    case .unclosedBracket: "IPv6 Hostname requires closing ']'"
    case .missingHostName(_, let ssh):
      "hostname is required in \(ssh ? "SSH" : "tcp") host specification"
    case .unknownOption: "unrecognized option in host specification"
    case .cppWithoutLZO: "requires compression"
    case .noHosts: "contained no hosts"
    default: "\(error)"
    }
  }

  /// The message naming the failure: the last one before the CRITICAL one, skipping 3.4's second message for
  /// `,cpp` without `,lzo`. Messages quote the list to its end, so one may span several lines.
  static func lastError(in stderr: String) -> String {
    var messages: [String] = []
    for line in stderr.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("distcc[") || messages.isEmpty {
        messages.append(String(line))
      } else {
        messages[messages.count - 1] += "\n" + line
      }
    }
    return messages.last { !$0.contains("CRITICAL!") && !$0.contains("invalid host options") } ?? ""
  }
}
