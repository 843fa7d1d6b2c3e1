import DistPosix

/// The client access list of `--allow ADDR[/BITS]` and `--allow-private` (daemon.md §3).
///
/// Unlike 3.4, an empty list does not accept everyone: it accepts loopback clients only
/// (`127.0.0.0/8`, `::1` and their IPv4-mapped forms).
public struct AccessList: Sendable, Equatable, CustomStringConvertible {
  /// One `ADDRESS/BITS` entry.
  public struct Entry: Sendable, Equatable, CustomStringConvertible {
    /// 4 bytes (IPv4) or 16 bytes (IPv6).
    public var address: [UInt8]
    /// The number of leading bits that must match.
    public var prefixLength: Int

    /// An entry matching the first `prefixLength` bits of `address` (4 or 16 bytes).
    public init(address: [UInt8], prefixLength: Int) {
      self.address = address
      self.prefixLength = prefixLength
    }

    /// Parses `ADDRESS[/BITS]` with numeric addresses (as `inet_pton` reads them).
    /// Host names are resolved by ``AccessList/parse(_:)``.
    public init(parsing spec: String) throws(ServerError) {
      let parts = spec.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
      let host = String(parts[0])
      guard let bytes = (try? SocketAddress.resolve(host: host, port: 0))?.first?.addressBytes
      else {
        throw .badAllowEntry(spec, reason: "can't parse internet address \"\(host)\"")
      }
      let maximum = bytes.count * 8
      var bits = maximum
      if parts.count == 2, !parts[1].isEmpty {
        guard let value = Int(parts[1]), (0...maximum).contains(value) else {
          throw .badAllowEntry(spec, reason: "invalid mask \"\(parts[1])\"")
        }
        bits = value
      }
      self.init(address: bytes, prefixLength: bits)
    }

    /// Whether `peer` (4 or 16 bytes) lies in this entry. IPv4 entries match IPv4-mapped IPv6 peers.
    public func matches(_ peer: [UInt8]) -> Bool {
      var peer = peer
      if address.count == 4, peer.count == 16, peer[0..<10].allSatisfy({ $0 == 0 }),
        peer[10] == 0xff, peer[11] == 0xff
      {
        peer = Array(peer[12...])
      }
      guard peer.count == address.count else { return false }
      var remaining = prefixLength
      for index in 0..<address.count where remaining > 0 {
        let bits = min(8, remaining)
        let mask: UInt8 = bits == 8 ? 0xff : ~(0xff >> UInt8(bits))
        if peer[index] & mask != address[index] & mask { return false }
        remaining -= bits
      }
      return true
    }

    /// The entry as `--allow` takes it (`10.0.0.0/8`).
    public var description: String {
      let text =
        address.count == 4
        ? address.map(String.init).joined(separator: ".")
        : stride(from: 0, to: 16, by: 2).map {
          String(UInt16(address[$0]) << 8 | UInt16(address[$0 + 1]), radix: 16)
        }.joined(separator: ":")
      return "\(text)/\(prefixLength)"
    }
  }

  /// The entries, in command-line order.
  public var entries: [Entry]

  /// A list allowing the addresses `entries` match (empty: loopback only, the secure default).
  public init(_ entries: [Entry] = []) { self.entries = entries }

  /// Appends `ADDR[/BITS]`.
  public mutating func allow(_ spec: String) throws(ServerError) {
    entries.append(try Entry(parsing: spec))
  }

  /// Appends the private ranges of `--allow-private`: 3.4's six plus `::1`.
  public mutating func allowPrivate() {
    for spec in AccessList.privateRanges {
      if let entry = try? Entry(parsing: spec) { entries.append(entry) }
    }
  }

  static let privateRanges = [
    "192.168.0.0/16", "10.0.0.0/8", "172.16.0.0/12", "127.0.0.0/8", "fe80::/10", "fc00::/7",
    "::1/128",
  ]
  static let loopback: [Entry] = ["127.0.0.0/8", "::1/128"].compactMap { try? Entry(parsing: $0) }

  /// Whether this list is the secure default (no `--allow`, no `--allow-private`).
  public var isLoopbackOnly: Bool { entries.isEmpty }

  /// Whether a client at `peer` (4 or 16 address bytes) may connect.
  public func allows(_ peer: [UInt8]) -> Bool {
    (entries.isEmpty ? AccessList.loopback : entries).contains { $0.matches(peer) }
  }

  /// The entries as `--allow` options take them, or `loopback only`.
  public var description: String {
    entries.isEmpty
      ? "loopback only (127.0.0.0/8, ::1)" : entries.map(\.description).joined(separator: ", ")
  }
}
