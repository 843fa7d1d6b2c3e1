import DistTestSupport
import HostSpec
import Testing

/// The lookup order (`hosts.md` §1, clarifications "Host list lookup"), checked against the real client.
@Suite struct LookupTests {
  enum Case: String, CaseIterable, Sendable {
    case environmentWins, emptyEnvironmentIsAnError, distccDirFile,
      distccDirWithoutFileUsesSystemFile,
      homeDotDistcc, noHomeUsesSystemFile, commentOnlyFileIsAnError, emptyDistccDirMeansRoot,
      nulEndsTheFile,
      oversizedFile
  }

  /// Builds the directories of a case and returns its environment (without `PATH`).
  static func setUp(_ testCase: Case, in dir: TestDirectory) throws -> [String: String] {
    let root = dir.path
    try dir.makeDirectories(dir.appending("d"))
    try dir.write(
      "d/hosts", "# file in DISTCC_DIR\n10.2.2.2:4000,lzo\n  10.3.3.3 # trailing\n#10.4.4.4\n")
    try dir.makeDirectories(dir.appending("home"))
    try dir.makeDirectories(dir.appending("home/.distcc"))
    try dir.write("home/.distcc/hosts", "home-host/3\n")
    try dir.makeDirectories(dir.appending("empty"))
    switch testCase {
    case .environmentWins:
      return ["DISTCC_HOSTS": "127.0.0.9", "DISTCC_DIR": root + "/d", "HOME": root + "/home"]
    case .emptyEnvironmentIsAnError: return ["DISTCC_HOSTS": "", "DISTCC_DIR": root + "/d"]
    case .distccDirFile: return ["DISTCC_DIR": root + "/d", "HOME": root + "/home"]
    case .distccDirWithoutFileUsesSystemFile:
      return ["DISTCC_DIR": root + "/empty", "HOME": root + "/home"]
    case .homeDotDistcc: return ["HOME": root + "/home"]
    case .noHomeUsesSystemFile: return [:]
    case .commentOnlyFileIsAnError:
      try dir.write("empty/hosts", "# nothing\n--randomize\n")
      return ["DISTCC_DIR": root + "/empty", "HOME": root + "/home"]
    case .emptyDistccDirMeansRoot: return ["DISTCC_DIR": "", "HOME": root + "/home"]
    case .nulEndsTheFile:
      try dir.write("empty/hosts", "before\0after\n")
      return ["DISTCC_DIR": root + "/empty"]
    case .oversizedFile:
      try dir.write("empty/hosts", "red " + String(repeating: "#", count: HostList.maximumFileSize))
      return ["DISTCC_DIR": root + "/empty"]
    }
  }

  enum Expected: Equatable {
    case list(HostListOrigin, [String])
    case error(HostSpecError)
  }

  static func expected(_ testCase: Case, in root: String) -> Expected {
    let system = HostListOrigin.file(path: HostList.systemFile)
    return switch testCase {
    case .environmentWins: .list(.environment, ["127.0.0.9"])
    case .emptyEnvironmentIsAnError: .error(.noHosts(.environment))
    case .distccDirFile: .list(.file(path: root + "/d/hosts"), ["10.2.2.2:4000,lzo", "10.3.3.3"])
    case .distccDirWithoutFileUsesSystemFile, .noHomeUsesSystemFile, .emptyDistccDirMeansRoot:
      .list(system, ["127.0.0.1"])  // Debian's /etc/distcc/hosts
    case .homeDotDistcc: .list(.file(path: root + "/home/.distcc/hosts"), ["home-host/3"])
    case .commentOnlyFileIsAnError: .error(.noHosts(.file(path: root + "/empty/hosts")))
    case .nulEndsTheFile: .list(.file(path: root + "/empty/hosts"), ["before"])
    case .oversizedFile:
      .error(.fileTooLarge(path: root + "/empty/hosts", size: HostList.maximumFileSize + 4))
    }
  }

  @Test(
    .enabled(if: RealDistcc.isInstalled, "\(RealDistcc.path) is not installed"),
    arguments: Case.allCases)
  func findsTheListWhereDistcc34Does(_ testCase: Case) throws {
    let directory = try TestDirectory()
    defer { withExtendedLifetime(directory) {} }
    let environment = try Self.setUp(testCase, in: directory)
    let expected = Self.expected(testCase, in: directory.path)
    let result = Result { () throws(HostSpecError) in try HostList.load(environment: environment) }
    let real = try RealDistcc.run(
      .init(
        arguments: ["--show-hosts"],
        environment: environment.merging(["PATH": "/usr/bin:/bin"]) { $1 })
    )
    switch (expected, result) {
    case (.list(let origin, let lines), .success(let (list, foundOrigin))):
      #expect(foundOrigin == origin)
      #expect(list.origin == origin)
      #expect(list.showHostsLines() == lines)
      #expect(real.stdout == lines.map { $0 + "\n" }.joined(), "\(real.stderr)")
    case (.error(let error), .failure(let thrown)):
      #expect(thrown == error)
      #expect(real.failedToGetHostList, "3.4 printed \(real.stdout)")
    default:
      Issue.record("expected \(expected), got \(result)")
    }
  }

  @Test func warnsWhenNeitherHomeNorDistccDirIsSet() throws {
    let (list, _) = try HostList.load(environment: [:])
    #expect(list.warnings.first == .homeNotSet)
  }

  @Test func reportsEveryPlaceSearchedWhenNothingIsFound() throws {
    let directory = try TestDirectory()
    defer { withExtendedLifetime(directory) {} }
    let missing = directory.path + "/no-such-file"
    #expect(throws: HostSpecError.noHostList(searched: [directory.path + "/hosts", missing])) {
      try HostList.load(environment: ["DISTCC_DIR": directory.path], systemFile: missing)
    }
  }

  @Test func fileErrorsNameTheLine() throws {
    let directory = try TestDirectory()
    defer { withExtendedLifetime(directory) {} }
    try directory.write("hosts", "red\n\n# comment\nblue box/0\n")
    let path = directory.path + "/hosts"
    let location = HostSpecLocation(
      origin: .file(path: path), entry: 3, entryText: "box/0", line: 4, column: 4)
    let expected = HostSpecError.badLimit(location, text: "/0")
    #expect(throws: expected) { try HostList.load(environment: ["DISTCC_DIR": directory.path]) }
    #expect("\(expected)" == "\(path) line 4, entry 3 (\"box/0\"), column 4: bad limit \"/0\"")
  }
}
