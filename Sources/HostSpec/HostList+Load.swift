#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

extension HostList {
  /// The system-wide host file of Debian's distcc (`<sysconfdir>/distcc/hosts`).
  public static let systemFile = "/etc/distcc/hosts"
  /// 3.4 refuses host files larger than this.
  public static let maximumFileSize = 1 << 20

  /// Finds and parses the host list as distcc 3.4 does, first match wins (`hosts.md` §1):
  /// 1. `DISTCC_HOSTS`, if set (even empty: an empty list is an error, not a fall-through);
  /// 2. `$DISTCC_DIR/hosts` (`DISTCC_DIR` defaulting to `$HOME/.distcc`), if readable;
  /// 3. `systemFile`, if readable.
  ///
  /// A file that exists but names no host is an error; the next file is not tried. This function only reads:
  /// creating `~/.distcc` (as 3.4 does on the way) is the client's business. With `HOME` and `DISTCC_DIR` both
  /// unset step 2 is skipped and the result carries ``HostSpecWarning/homeNotSet``.
  ///
  /// - Parameters:
  ///   - environment: the process environment (only `DISTCC_HOSTS`, `DISTCC_DIR` and `HOME` are read).
  ///   - systemFile: the last file tried.
  /// - Returns: the list and where it came from.
  /// - Throws: ``HostSpecError/noHostList(searched:)`` when nothing was found, or the parse or read error.
  public static func load(
    environment: [String: String], systemFile: String = HostList.systemFile
  ) throws(HostSpecError) -> (list: HostList, origin: HostListOrigin) {
    if let hosts = environment["DISTCC_HOSTS"] {
      return (try parse(hosts, origin: .environment), .environment)
    }
    var searched: [String] = []
    var warnings: [HostSpecWarning] = []
    if let directory = environment["DISTCC_DIR"] ?? environment["HOME"].map({ $0 + "/.distcc" }) {
      let path = directory + "/hosts"
      searched.append(path)
      if access(path, R_OK) == 0 {
        return (try parseFile(path), .file(path: path))
      }
    } else {
      warnings.append(.homeNotSet)
    }
    searched.append(systemFile)
    if access(systemFile, R_OK) == 0 {
      var list = try parseFile(systemFile)
      list.warnings.insert(contentsOf: warnings, at: 0)
      return (list, .file(path: systemFile))
    }
    throw .noHostList(searched: searched)
  }

  /// Reads and parses one host file (at most ``maximumFileSize`` bytes).
  public static func parseFile(_ path: String) throws(HostSpecError) -> HostList {
    try parse(bytes: readFile(path), origin: .file(path: path))
  }

  private static func readFile(_ path: String) throws(HostSpecError) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw .unreadableFile(path: path, reason: errorText()) }
    defer { close(fd) }
    var status = stat()
    guard fstat(fd, &status) == 0 else { throw .unreadableFile(path: path, reason: errorText()) }
    let size = Int(status.st_size)
    guard size <= maximumFileSize else { throw .fileTooLarge(path: path, size: size) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
      let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if count < 0 {
        if errno == EINTR { continue }
        throw .unreadableFile(path: path, reason: errorText())
      }
      if count == 0 { return bytes }
      bytes.append(contentsOf: chunk[..<count])
      guard bytes.count <= maximumFileSize else {
        throw .fileTooLarge(path: path, size: bytes.count)
      }
    }
  }

  private static func errorText() -> String {
    String(cString: strerror(errno))
  }
}
