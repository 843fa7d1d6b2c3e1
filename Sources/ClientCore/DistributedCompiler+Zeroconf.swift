import HostSpec
import Zeroconf

extension DistributedCompiler {
  /// `list` with the daemons found by DNS-SD spliced in at its `+zeroconf` entries, read from the cache in
  /// `$DISTCC_DIR/zeroconf/` (whose helper this may start), as 3.4 does; nil after logging 3.4's messages
  /// when the cache cannot be used or lists no host (3.4 then rejects the whole list).
  func insertingDiscoveredHosts(into list: HostList) -> HostList? {
    guard !list.zeroconfPositions.isEmpty else { return list }
    guard let top = configuration.distccDirectory, (try? DistccDirectory.prepare(top)) != nil else {
      log.log(.critical, "failed to get zeroconf dir.", function: "dcc_zeroconf_add_hosts")
      return nil
    }
    let cache = ZeroconfCache(distccDirectory: top)
    do {
      let text = try cache.hosts()
      let found = try HostList.parse(bytes: text, origin: .file(path: cache.hostsPath))
      return try list.insertingDiscoveredHosts(found.hosts)
    } catch let error as HostSpecError {
      let warning = error.clientWarning
      log.warning(warning.text, function: warning.function ?? "dcc_parse_hosts")
    } catch {
      log.error("\(error)", function: "dcc_zeroconf_add_hosts")
    }
    log.log(.critical, "failed to parse host file.", function: "dcc_zeroconf_add_hosts")
    return nil
  }
}
