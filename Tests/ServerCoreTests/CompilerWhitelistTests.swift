import Testing

@testable import ServerCore

struct CompilerWhitelistTests {
  static func whitelist(commandList: String? = nil, insecure: Bool = false) -> CompilerWhitelist {
    var configuration = ServerConfiguration()
    configuration.commandList = commandList
    configuration.insecureCompilers = insecure
    return CompilerWhitelist(configuration: configuration)
  }

  /// The vector to run, or the refusal.
  static func check(_ whitelist: CompilerWhitelist, _ words: [String]) -> Result<
    [[UInt8]], JobRefusal
  > {
    Result { () throws(JobRefusal) in try whitelist.check(words.map { Array($0.utf8) }) }
  }

  @Test(arguments: [
    ("gcc", true), ("/usr/bin/gcc", true), ("/USR/BIN/gcc", true), ("/bin/cc", true),
    ("x86_64-linux-gnu-g++", true), ("/usr/local/bin/gcc", false), ("/usr/bin/../bin/gcc", false),
    ("sh", false), ("..", false), ("", false),
  ])
  func masqueradeRule(name: String, allowed: Bool) {
    let decision = CompilerWhitelistTests.check(
      CompilerWhitelistTests.whitelist(), [name, "-c", "t.c"])
    if allowed {
      #expect(decision == .success([name, "-c", "t.c"].map { Array($0.utf8) }))
    } else {
      guard case .failure(let refusal) = decision else {
        Issue.record("\(name) was allowed")
        return
      }
      #expect(refusal.level == .critical)
      #expect(refusal.reason.contains("absolute path") || refusal.reason.contains("whitelist"))
    }
  }

  @Test func insecureAllowsAnyName() {
    let decision = CompilerWhitelistTests.check(
      CompilerWhitelistTests.whitelist(insecure: true), ["/opt/x/cc", "-c"])
    #expect(decision == .success([Array("/opt/x/cc".utf8), Array("-c".utf8)]))
  }

  @Test(arguments: [
    ("gcc", 1, "/usr/bin/gcc"), ("/usr/bin/gcc", 1, "/usr/bin/gcc"),
    ("/opt/cross/bin/gcc", 1, "/usr/bin/gcc"),
    ("/opt/cross/bin/gcc", 2, "/usr/bin/gcc"), ("/opt/cross/bin/gcc", 3, "/opt/cross/bin/gcc"),
    ("cross/bin/gcc", 3, "/opt/cross/bin/gcc"), ("g++", 1, nil), ("other/bin/gcc", 3, nil),
    ("bin/clang", 2, "/usr/bin/clang"),
  ])
  func commandListLookup(name: String, words: Int, expected: String?) {
    let contents = Array("/usr/bin/gcc\n/opt/cross/bin/gcc\r\n/usr/bin/clang\n".utf8)
    let found = CompilerWhitelist.lookup(name, in: contents, words: words)
    #expect(found == expected, "first line whose last \(words) components match")
  }

  @Test func missingCommandListRefuses() {
    let decision = CompilerWhitelistTests.check(
      CompilerWhitelistTests.whitelist(commandList: "/nonexistent/cmdlist"), ["gcc", "-c"])
    guard case .failure(let refusal) = decision else {
      Issue.record("allowed")
      return
    }
    #expect(refusal.reason.contains("/nonexistent/cmdlist"))
  }
}
