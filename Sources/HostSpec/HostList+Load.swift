internal import SystemPackage

#if canImport(Glibc)
  internal import Glibc  // access(2): the lookup order tests readability exactly as 3.4 does
#elseif canImport(Musl)
  internal import Musl
#elseif canImport(Darwin)
  internal import Darwin
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

  /// The file's bytes, through swift-system (which retries interrupted calls); refused when over ``maximumFileSize``.
  private static func readFile(_ path: String) throws(HostSpecError) -> [UInt8] {
    do {
      let fd = try FileDescriptor.open(FilePath(path), .readOnly, options: .closeOnExec)
      defer { try? fd.close() }
      let size = Int(try fd.seek(offset: 0, from: .end))
      guard size <= maximumFileSize else {
        throw HostSpecError.fileTooLarge(path: path, size: size)
      }
      // One byte more than the size, so that the read that finds the end needs no growth.
      var bytes = [UInt8](repeating: 0, count: size + 1)
      var count = 0
      while true {
        if count == bytes.count {
          guard count <= maximumFileSize else {
            throw HostSpecError.fileTooLarge(path: path, size: count)
          }
          bytes += [UInt8](repeating: 0, count: min(count, maximumFileSize + 1 - count))
        }
        let got = try bytes.withUnsafeMutableBytes {
          try fd.read(
            fromAbsoluteOffset: Int64(count),
            into: UnsafeMutableRawBufferPointer(rebasing: $0[count...]))
        }
        if got == 0 { break }
        count += got
      }
      bytes.removeSubrange(count...)
      return bytes
    } catch let error as HostSpecError {
      throw error
    } catch {
      throw .unreadableFile(path: path, reason: "\(error)")
    }
  }
}
