import HostSpec

/// Builders for expected values in the tables.
func tcp(
  _ host: String, port: Int = 3632, limit: Int = 4, _ options: HostEntry.Options = .init(),
  text: String
) -> HostEntry {
  HostEntry(kind: .tcp(host: host, port: port), limit: limit, options: options, displayName: text)
}

func ssh(
  _ user: String?, _ host: String, command: String? = nil, limit: Int = 4,
  _ options: HostEntry.Options = .init(),
  text: String
) -> HostEntry {
  HostEntry(
    kind: .ssh(user: user, host: host, command: command), limit: limit, options: options,
    displayName: text)
}

func local(limit: Int = 2, text: String) -> HostEntry {
  HostEntry(kind: .localhost, limit: limit, displayName: text)
}

let lzo = HostEntry.Options(lzo: true)
let pump = HostEntry.Options(lzo: true, cpp: true)

/// A location in a `DISTCC_HOSTS` value.
func at(_ entryText: String, column: Int, entry: Int = 1, line: Int = 1) -> HostSpecLocation {
  HostSpecLocation(
    origin: .environment, entry: entry, entryText: entryText, line: line, column: column)
}
