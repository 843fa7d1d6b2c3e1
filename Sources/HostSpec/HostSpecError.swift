/// Why a host list could not be used.
///
/// Any error rejects the whole list, as in distcc 3.4 (`hosts.md` §7). Entry errors carry a
/// ``HostSpecLocation`` and the offending text.
public enum HostSpecError: Error, Sendable, Hashable, CustomStringConvertible {
  /// A `/LIMIT` (or `=LIMIT`) whose value is zero or not a number (3.4: `bad multiplier`).
  case badLimit(HostSpecLocation, text: String)
  /// A `:PORT` followed by something other than the end of the entry, `/` or `,`
  /// (3.4: `invalid tcp port specification`).
  case badPort(HostSpecLocation, text: String)
  /// `[` without a closing `]`.
  case unclosedBracket(HostSpecLocation)
  /// A TCP or SSH entry without a host name (`:3632`, `::1`, `alice@`).
  case missingHostName(HostSpecLocation, ssh: Bool)
  /// An option other than `lzo`, `cpp`, `down`, `auth[=NAME]` (3.4: `unrecognized option`).
  case unknownOption(HostSpecLocation, text: String)
  /// `,cpp` without `,lzo`: pump mode needs compression.
  case cppWithoutLZO(HostSpecLocation)
  /// The list has no hosts (empty, or only comments and keywords); 3.4 does not try the next source.
  case noHosts(HostListOrigin)
  /// `+zeroconf` found no servers; 3.4 then rejects the whole list.
  case zeroconfFoundNoHosts(HostListOrigin)
  /// `DISTCC_HOSTS` is unset and none of the host files is readable.
  case noHostList(searched: [String])
  /// A host file over 1 MiB (3.4 refuses it too).
  case fileTooLarge(path: String, size: Int)
  /// A host file that `access(R_OK)` accepted but that could not be read.
  case unreadableFile(path: String, reason: String)

  /// The entry the error is about, if it is about one.
  public var location: HostSpecLocation? {
    switch self {
    case .badLimit(let at, _), .badPort(let at, _), .unclosedBracket(let at),
      .missingHostName(let at, _),
      .unknownOption(let at, _), .cppWithoutLZO(let at):
      at
    case .noHosts, .zeroconfFoundNoHosts, .noHostList, .fileTooLarge, .unreadableFile:
      nil
    }
  }

  public var description: String {
    switch self {
    case .badLimit(let at, let text): "\(at): bad limit \"\(text)\""
    case .badPort(let at, let text): "\(at): bad port \"\(text)\""
    case .unclosedBracket(let at): "\(at): IPv6 address needs a closing ']'"
    case .missingHostName(let at, let ssh): "\(at): \(ssh ? "SSH" : "TCP") host name is missing"
    case .unknownOption(let at, let text):
      "\(at): unknown option \"\(text)\" (known: ,lzo ,cpp ,down ,auth[=NAME] ,zstd)"
    case .cppWithoutLZO(let at): "\(at): pump mode (',cpp') requires compression (',lzo')"
    case .noHosts(let origin): "\(origin) contains no hosts"
    case .zeroconfFoundNoHosts(let origin): "\(origin): +zeroconf found no hosts"
    case .noHostList(let searched):
      "no host list: DISTCC_HOSTS is not set and none of \(searched.joined(separator: ", ")) is readable"
    case .fileTooLarge(let path, let size):
      "\(path) is too large to load (\(size) bytes, limit 1 MiB)"
    case .unreadableFile(let path, let reason): "cannot read \(path): \(reason)"
    }
  }
}
