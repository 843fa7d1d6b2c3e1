import DistTestSupport
import HostSpec
import Testing

@Suite struct HostListTests {
  @Test func errorMessageNamesEntryColumnAndText() {
    #expect(throws: HostSpecError.badLimit(at("box/0", column: 4, entry: 2), text: "/0")) {
      try HostList.parse("red box/0")
    }
    let error = HostSpecError.badLimit(at("box/0", column: 4, entry: 2), text: "/0")
    #expect(error.location?.column == 4)
    #expect(HostSpecError.noHosts(.environment).location == nil)
    #expect("\(error)" == #"DISTCC_HOSTS entry 2 ("box/0"), column 4: bad limit "/0""#)
  }

  @Test(arguments: [
    (
      HostSpecError.badPort(at("red:abc", column: 5), text: "abc"),
      #"DISTCC_HOSTS entry 1 ("red:abc"), column 5: bad port "abc""#
    ),
    (
      .unclosedBracket(at("[::1", column: 1)),
      #"DISTCC_HOSTS entry 1 ("[::1"), column 1: IPv6 address needs a closing ']'"#
    ),
    (
      .missingHostName(at("alice@", column: 7), ssh: true),
      #"DISTCC_HOSTS entry 1 ("alice@"), column 7: SSH host name is missing"#
    ),
    (
      .cppWithoutLZO(at("red,cpp", column: 4)),
      #"DISTCC_HOSTS entry 1 ("red,cpp"), column 4: pump mode (',cpp') requires compression (',lzo')"#
    ),
    (.noHosts(.environment), "DISTCC_HOSTS contains no hosts"),
    (.noHosts(.file(path: "/etc/distcc/hosts")), "/etc/distcc/hosts contains no hosts"),
  ])
  func errorDescriptions(_ error: HostSpecError, _ text: String) {
    #expect(error.description == text)
  }

  @Test func warningDescriptionsQuoteTheText() {
    let warning = HostSpecWarning.ignoredText(at("red,lzofoo", column: 8), text: "foo")
    #expect(
      "\(warning)"
        == #"DISTCC_HOSTS entry 1 ("red,lzofoo"), column 8: ignoring "foo" at the end of the entry"#
    )
  }

  @Test(arguments: [
    ("red", 1), ("red,lzo", 2), ("red,cpp,lzo", 3), ("a@b,lzo,cpp", 3), ("localhost", 1),
    ("red,auth,down", 1),
  ])
  func protocolVersionFollowsTheOptions(_ spec: String, _ version: Int) throws {
    #expect(try HostList.parse(spec).hosts.first?.protocolVersion == version)
  }

  @Test(arguments: [
    ("red", UInt16?.some(3632)), ("red:1", 1), ("red:65535", 65535), ("red:", nil),
    ("red:99999", nil), ("red:-5", nil),
    ("localhost", nil), ("@red", nil),
  ])
  func connectPortIsOnlyAValidTCPPort(_ spec: String, _ port: UInt16?) throws {
    #expect(try HostList.parse(spec).hosts.first?.connectPort == port)
  }

  @Test func bytesAfterANulAreIgnored() throws {
    let list = try HostList.parse(bytes: Array("a b\0c d".utf8))
    #expect(list.showHostsLines() == ["a", "b"])
  }

  @Test func zeroconfMarksWhereDiscoveredHostsGo() throws {
    let list = try HostList.parse("red +zeroconf blue +zeroconfx")
    // Only the exact word is the keyword.
    #expect(list.showHostsLines() == ["red", "blue", "+zeroconfx"])
    #expect(list.zeroconfPositions == [1])
    let found = [tcp("10.0.0.5", port: 3632, limit: 6, text: "10.0.0.5:3632/6")]
    let merged = try list.insertingDiscoveredHosts(found)
    #expect(merged.showHostsLines() == ["red", "10.0.0.5:3632/6", "blue", "+zeroconfx"])
    #expect(merged.zeroconfPositions.isEmpty)
    #expect(throws: HostSpecError.zeroconfFoundNoHosts(.environment)) {
      try list.insertingDiscoveredHosts([])
    }
  }

  @Test func zeroconfAloneIsNotYetAnEmptyList() throws {
    let list = try HostList.parse("+zeroconf")
    #expect(list.hosts.isEmpty)
    #expect(list.zeroconfPositions == [0])
  }

  @Test func randomizeShufflesOnlyWhenAsked() throws {
    let spec = (1...12).map { "h\($0)" }.joined(separator: " ")
    var generator = SeededGenerator(seed: 7)
    let plain = try HostList.parse(spec)
    #expect(plain.randomized(using: &generator) == plain)

    let shuffled = try HostList.parse("--randomize " + spec)
    let orders = (0..<4).map { _ in shuffled.randomized(using: &generator).showHostsLines() }
    for order in orders {
      #expect(order.sorted() == plain.showHostsLines().sorted())
    }
    #expect(orders.contains { $0 != plain.showHostsLines() })
  }

  @Test func concurrencyLevelWrapsLikeACInt() throws {
    let list = try HostList.parse("a/2147483647 b/1")
    #expect(list.concurrencyLevel == Int(Int32.min))
  }
}
