import DistPosix
import Testing

@testable import ServerCore

struct AccessListTests {
  static func bytes(_ text: String) -> [UInt8] {
    SocketAddress(numericHost: text, port: 0)!.addressBytes!
  }

  @Test(arguments: [
    // (entries, peer, allowed)
    ([String](), "127.0.0.1", true),
    ([], "127.255.0.9", true),
    ([], "::1", true),
    ([], "::ffff:127.0.0.2", true),
    ([], "192.168.1.1", false),
    ([], "::2", false),
    (["192.168.0.0/16"], "192.168.44.3", true),
    (["192.168.0.0/16"], "192.169.0.1", false),
    (["192.168.0.0/16"], "127.0.0.1", false),
    (["10.1.2.3"], "10.1.2.3", true),
    (["10.1.2.3"], "10.1.2.4", false),
    (["10.1.2.3/"], "10.1.2.3", true),
    (["127.0.0.2"], "::ffff:127.0.0.2", true),
    (["127.0.0.2"], "::ffff:127.0.0.3", false),
    (["0.0.0.0/0"], "8.8.8.8", true),
    (["0.0.0.0/0"], "::1", false),
    (["::1"], "127.0.0.1", false),
    (["fe80::/10"], "fe80::1", true),
    (["fe80::/10"], "fec0::1", false),
    (["10.0.0.0/7"], "11.255.0.1", true),
    (["10.0.0.0/7"], "12.0.0.1", false),
  ])
  func matching(entries: [String], peer: String, allowed: Bool) throws {
    var list = AccessList()
    for entry in entries { try list.allow(entry) }
    #expect(list.allows(AccessListTests.bytes(peer)) == allowed)
  }

  @Test func allowPrivateIncludesLoopbackIPv6() {
    var list = AccessList()
    list.allowPrivate()
    #expect(!list.isLoopbackOnly)
    for peer in ["::1", "10.9.9.9", "172.20.0.1", "192.168.0.1", "127.0.0.1", "fd00::1", "fe80::2"]
    {
      #expect(list.allows(AccessListTests.bytes(peer)), "\(peer)")
    }
    for peer in ["8.8.8.8", "172.32.0.1", "2001:db8::1"] {
      #expect(!list.allows(AccessListTests.bytes(peer)), "\(peer)")
    }
  }

  @Test(arguments: [
    ("1.2.3.4/33", "invalid mask \"33\""),
    ("::1/129", "invalid mask \"129\""),
    ("1.2.3.4/x", "invalid mask \"x\""),
    ("1.2.3.4/-1", "invalid mask \"-1\""),
    ("no such host.invalid", "can't parse internet address"),
  ])
  func badEntries(spec: String, message: String) {
    var list = AccessList()
    #expect {
      try list.allow(spec)
    } throws: { error in
      "\(error)".contains(message) && "\(error)".contains(spec)
    }
  }

  @Test func descriptionNamesEntries() throws {
    var list = AccessList()
    #expect(list.description.contains("loopback only"))
    try list.allow("10.0.0.0/8")
    try list.allow("fe80::/10")
    #expect(list.description == "10.0.0.0/8, fe80:0:0:0:0:0:0:0/10")
  }
}
