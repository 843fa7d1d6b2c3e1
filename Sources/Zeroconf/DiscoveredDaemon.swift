/// A distcc daemon found by DNS-SD: where it listens and how many jobs it takes.
public struct DiscoveredDaemon: Sendable, Hashable {
  /// The service instance name, e.g. `distcc@zb`.
  public var name: String
  /// The resolved address (IPv4 dotted quad, or IPv6 text without brackets).
  public var address: String
  /// Whether ``address`` is IPv6.
  public var isIPv6: Bool
  /// The port the daemon listens on.
  public var port: UInt16
  /// The job count 3.4 gives the host: the TXT `jobs`, `cpus` + 2 if that is not positive, 4 if absent.
  public var jobs: Int

  /// 3.4's job count from the TXT values `jobs` and `cpus`.
  public static func jobs(txtJobs: String?, txtCPUs: String?) -> Int {
    guard let txtJobs else { return 4 }
    let jobs = Int(txtJobs) ?? 0
    return jobs > 0 ? jobs : (Int(txtCPUs ?? "") ?? 0) + 2
  }

  /// The line 3.4's helper writes to `$DISTCC_DIR/zeroconf/hosts`: `ADDR:PORT/JOBS` (`[ADDR]:PORT/JOBS` for IPv6).
  public var hostLine: String {
    (isIPv6 ? "[\(address)]" : address) + ":\(port)/\(jobs)"
  }
}
