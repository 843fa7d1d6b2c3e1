/// The place of one entry (and a column in it) in a host list, for messages.
///
/// Entries are the whitespace-separated words of the list, comments excluded, numbered from 1 (keywords such as
/// `--randomize` count). Lines and columns are 1-based; columns count bytes from the start of the entry.
public struct HostSpecLocation: Sendable, Hashable, CustomStringConvertible {
  /// The list the entry is in.
  public var origin: HostListOrigin
  /// 1-based number of the entry in the list.
  public var entry: Int
  /// The entry as written (what `distcc --show-hosts` would print for it).
  public var entryText: String
  /// 1-based line of the entry in the list (useful for host files).
  public var line: Int
  /// 1-based byte column inside the entry.
  public var column: Int

  /// A location; see the properties.
  public init(origin: HostListOrigin, entry: Int, entryText: String, line: Int, column: Int) {
    self.origin = origin
    self.entry = entry
    self.entryText = entryText
    self.line = line
    self.column = column
  }

  /// `DISTCC_HOSTS entry 2 ("box/0"), column 4`, or `/etc/distcc/hosts line 3, entry 2 ("box/0"), column 4`.
  public var description: String {
    let quoted = "entry \(entry) (\"\(entryText)\"), column \(column)"
    switch origin {
    case .environment: return "\(origin) \(quoted)"
    case .file: return "\(origin) line \(line), \(quoted)"
    }
  }
}
