/// A parsed `DISTCC_HOSTS` list (or host file): the hosts in order plus the list-wide settings.
///
/// Parsing follows distcc 3.4 byte for byte (`hosts.md`), so `distcc --show-hosts`, `distcc -j` and the lock-file
/// names agree with a real 3.4 client given the same list. Oddities 3.4 accepts silently are accepted too and
/// reported in ``warnings``; see `Docs/hosts.md`.
public struct HostList: Sendable, Equatable {
  /// The default of `--localslots`: local-only jobs that may run at once.
  public static let defaultLocalSlots = 4
  /// The default of `--localslots_cpp`: local preprocessors that may run at once.
  public static let defaultLocalSlotsCpp = 8

  /// The hosts, in list order (duplicates kept). Keyword entries are not hosts.
  public var hosts: [HostEntry]
  /// `--randomize` was given: use ``randomized(using:)`` before choosing hosts or printing them.
  public var randomize: Bool
  /// `--localslots=N`: size of the local-only pool (locks `cpu_localhost_N`).
  public var localSlots: Int
  /// `--localslots_cpp=N`: size of the local preprocessing pool (same lock files).
  public var localSlotsCpp: Int
  /// For each `+zeroconf` entry, the index in ``hosts`` where 3.4 inserts the hosts it discovers by DNS-SD.
  /// This module does not browse; see ``insertingDiscoveredHosts(_:)``.
  public var zeroconfPositions: [Int]
  /// Where the list came from.
  public var origin: HostListOrigin
  /// Oddities accepted as 3.4 accepts them, in list order.
  public var warnings: [HostSpecWarning]

  /// A list with 3.4's defaults; the parser fills it in.
  public init(
    hosts: [HostEntry] = [], randomize: Bool = false, localSlots: Int = HostList.defaultLocalSlots,
    localSlotsCpp: Int = HostList.defaultLocalSlotsCpp, zeroconfPositions: [Int] = [],
    origin: HostListOrigin = .environment, warnings: [HostSpecWarning] = []
  ) {
    self.hosts = hosts
    self.randomize = randomize
    self.localSlots = localSlots
    self.localSlotsCpp = localSlotsCpp
    self.zeroconfPositions = zeroconfPositions
    self.origin = origin
    self.warnings = warnings
  }

  /// Parses a host list as distcc 3.4 does; the same grammar serves `DISTCC_HOSTS` and host files.
  ///
  /// - Parameters:
  ///   - text: the list; anything after a NUL byte is ignored (3.4 reads a C string).
  ///   - origin: where the text came from, for messages.
  /// - Throws: ``HostSpecError`` for the first bad entry (the whole list is rejected, as in 3.4), or
  ///   ``HostSpecError/noHosts(_:)`` when the list names no host.
  public static func parse(
    _ text: String, origin: HostListOrigin = .environment
  ) throws(HostSpecError) -> HostList {
    try parse(bytes: Array(text.utf8), origin: origin)
  }

  /// Parses a host list given as bytes (a host file's contents); see ``parse(_:origin:)``.
  public static func parse(
    bytes: [UInt8], origin: HostListOrigin = .environment
  ) throws(HostSpecError) -> HostList {
    var parser = HostListParser(bytes, origin: origin)
    return try parser.parse()
  }

  /// The lines `distcc --show-hosts` prints: each host's entry verbatim, in list order.
  ///
  /// 3.4 prints the shuffled order when `--randomize` is given: call ``randomized(using:)`` first.
  public func showHostsLines() -> [String] {
    hosts.map(\.displayName)
  }

  /// What `distcc -j` prints: the sum of the host limits (down hosts, `localhost` and negative limits
  /// included; `--localslots*` not), summed as 3.4's C `int`.
  public var concurrencyLevel: Int {
    Int(hosts.reduce(Int32(0)) { $0 &+ Int32(truncatingIfNeeded: $1.limit) })
  }

  /// The list in the order a client should use: shuffled if ``randomize`` is set, else unchanged.
  ///
  /// 3.4 seeds `rand()` with the process id; any generator gives the same distribution of orders.
  public func randomized(using generator: inout some RandomNumberGenerator) -> HostList {
    guard randomize else { return self }
    var copy = self
    copy.hosts.shuffle(using: &generator)
    return copy
  }

  /// Inserts the hosts found by a zeroconf browser at each `+zeroconf` position, as 3.4 does.
  ///
  /// - Throws: ``HostSpecError/zeroconfFoundNoHosts(_:)`` when `discovered` is empty, since 3.4 then rejects
  ///   the whole list.
  public func insertingDiscoveredHosts(_ discovered: [HostEntry]) throws(HostSpecError) -> HostList
  {
    guard !zeroconfPositions.isEmpty else { return self }
    guard !discovered.isEmpty else { throw .zeroconfFoundNoHosts(origin) }
    var copy = self
    for position in zeroconfPositions.reversed() {
      copy.hosts.insert(contentsOf: discovered, at: position)
    }
    copy.zeroconfPositions = []
    return copy
  }
}
