/// Something odd in a host list that distcc 3.4 accepts, so we accept it too (for identical `--show-hosts`,
/// `-j` and lock-file names) but report it. An executable prints these to stderr; a library user may ignore them.
public enum HostSpecWarning: Sendable, Hashable, CustomStringConvertible {
  /// The end of the entry was not understood and is ignored, as 3.4 ignores it
  /// (`localhost/2,lzo`, `red,lzofoo`, `red:4000,lzo/3`, `--randomizeXYZ`).
  case ignoredText(HostSpecLocation, text: String)
  /// 3.4 read a field beyond the end of the entry: into a `#` comment (`red#x` names host `red#x`) or, after
  /// `/`, `=` or `:`, across whitespace into the next word (`red/ 3` has limit 3, and `3` is a host too).
  case readPastEntry(HostSpecLocation, text: String)
  /// `--localslots=0`, `--localslots_cpp=abc`: 3.4 logs `bad multiplier` and keeps the old value; a bad
  /// `--localslots=` entry then also becomes a host of that name.
  case badLocalSlots(HostSpecLocation, text: String, becomesHost: Bool)
  /// A limit of zero or less (`red/-2`, `--localslots=-1`): the host or pool is never used.
  case nonPositiveLimit(HostSpecLocation, limit: Int)
  /// A TCP port outside 1...65535 (`red:`, `red:99999`): 3.4 connects to the port modulo 65536; we do not
  /// connect (see ``HostEntry/connectPort``).
  case portOutOfRange(HostSpecLocation, port: Int)
  /// `HOME` and `DISTCC_DIR` are both unset: `~/.distcc/hosts` was not looked for.
  case homeNotSet

  public var description: String {
    switch self {
    case .ignoredText(let at, let text): "\(at): ignoring \"\(text)\" at the end of the entry"
    case .readPastEntry(let at, let text):
      "\(at): \"\(text)\" after the end of the entry is read as part of it (as distcc 3.4 does)"
    case .badLocalSlots(let at, let text, let becomesHost):
      "\(at): bad local slot count \"\(text)\"; "
        + (becomesHost ? "the entry is taken as a host name (as distcc 3.4 does)" : "ignored")
    case .nonPositiveLimit(let at, let limit): "\(at): limit \(limit) means it is never used"
    case .portOutOfRange(let at, let port):
      "\(at): port \(port) is outside 1-65535; the host will not be used"
    case .homeNotSet: "HOME is not set; can't find distcc directory"
    }
  }
}
