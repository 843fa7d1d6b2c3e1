import ClientCore
import Testing

struct ConfigurationCase: Sendable, CustomStringConvertible {
  var environment: [String: String]
  var check: @Sendable (ClientConfiguration) -> Bool
  var label: String
  var description: String { label }
}

/// client.md §13.1 and §15: 3.4's reading of each variable.
let configurationCases: [ConfigurationCase] = [
  .init(
    environment: [:],
    check: { $0.fallsBackToLocal && $0.backoffPeriod == 60 && $0.ioTimeout == 300 },
    label: "defaults"),
  .init(
    environment: ["DISTCC_FALLBACK": "0"], check: { !$0.fallsBackToLocal }, label: "fallback 0"),
  .init(
    environment: ["DISTCC_FALLBACK": "no"], check: { $0.fallsBackToLocal },
    label: "fallback only understands 0/1"),
  .init(
    environment: ["DISTCC_SKIP_LOCAL_RETRY": ""], check: { $0.skipsLocalRetry },
    label: "skip retry when set, even empty"),
  .init(
    environment: ["DISTCC_BACKOFF_PERIOD": "abc"], check: { $0.backoffPeriod == 0 },
    label: "backoff atoi garbage is 0"),
  .init(
    environment: ["DISTCC_BACKOFF_PERIOD": " 12x"], check: { $0.backoffPeriod == 12 },
    label: "backoff atoi prefix"),
  .init(
    environment: ["DISTCC_IO_TIMEOUT": "0"], check: { $0.ioTimeout == nil },
    label: "io timeout must be positive"),
  .init(
    environment: ["DISTCC_IO_TIMEOUT": "7"], check: { $0.ioTimeout == 7 }, label: "io timeout 7"),
  .init(environment: ["DISTCC_VERBOSE": "1"], check: { $0.logLevel == .debug }, label: "verbose"),
  .init(
    environment: ["DISTCC_LOG": "/tmp/x"],
    check: { $0.logLevel == .info && $0.logFile == "/tmp/x" }, label: "log file"),
  .init(
    environment: ["DISTCC_LOG": ""], check: { $0.logFile == nil && $0.logLevel == .warning },
    label: "empty log"),
  .init(
    environment: ["UNCACHED_ERR_FD": "5"], check: { $0.uncachedErrorDescriptor == 5 },
    label: "uncached fd"),
  .init(
    environment: ["UNCACHED_ERR_FD": "5", "DISTCC_LOG": "/tmp/x"],
    check: { $0.uncachedErrorDescriptor == nil },
    label: "log wins over uncached fd"),
  .init(
    environment: ["_DISTCC_SAFEGUARD": "x"], check: { $0.safeguardLevel == 1 },
    label: "safeguard garbage is 1"),
  .init(
    environment: ["_DISTCC_SAFEGUARD": "2"],
    check: { $0.safeguardLevel == 2 && $0.environment["_DISTCC_SAFEGUARD"] == nil },
    label: "safeguard 2"),
  .init(
    environment: ["TMPDIR": ""], check: { $0.temporaryDirectory == "/tmp" }, label: "empty TMPDIR"),
  .init(
    environment: ["DISTCC_SSH": "ssh -p 2222"], check: { $0.externalSSH == "ssh -p 2222" },
    label: "external ssh"),
  .init(
    environment: ["DISTCC_SSH": ""], check: { $0.externalSSH == nil },
    label: "empty DISTCC_SSH is in-process"),
  .init(
    environment: ["DISTCC_NO_REWRITE_CROSS": ""], check: { !$0.rewritesCompilerNames },
    label: "no rewrite"),
  .init(
    environment: ["DISTCC_NO_CROSS_REWRITE": "1"], check: { $0.rewritesCompilerNames },
    label: "man page spelling ignored"),
  .init(
    environment: ["HOME": "/h"],
    check: { $0.distccDirectory == "/h/.distcc" }, label: "home"),
  .init(
    environment: ["HOME": "/h", "DISTCC_DIR": "/d"],
    check: { $0.distccDirectory == "/d" }, label: "DISTCC_DIR wins"),
  .init(
    environment: [:], check: { $0.distccDirectory == nil && $0.lockDirectory == nil },
    label: "no home"),
]

@Test(arguments: configurationCases)
func configurationReadsEnvironmentLike34(_ row: ConfigurationCase) throws {
  #expect(row.check(try ClientConfiguration(environment: row.environment)))
}
