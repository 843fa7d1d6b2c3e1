import DistPosix
import ServerCore
import Zeroconf

/// `--zeroconf`: the daemon's DNS-SD registration, as distcc 3.4 makes it (`Docs/zeroconf.md`).
enum ZeroconfAdvertising {
  /// Registers the daemon serving `configuration` through Avahi, logging to `logger`; nil (after logging
  /// why) when libavahi-client cannot be loaded or Avahi refuses.
  static func start(_ configuration: ServerConfiguration, logger: ServerLogger)
    -> ServiceRegistration?
  {
    let compiler = CompilerTarget.probe()
    if compiler == nil {
      logger.log(
        .warning, "Failed to determine CC version, not registering DNS-SD service subtype!")
    }
    let service = DistccService(
      name: DistccService.instanceName(hostName: SystemResources.hostName),
      port: UInt16(truncatingIfNeeded: configuration.port),
      cpus: SystemResources.onlineProcessors, jobs: configuration.jobs, compiler: compiler)
    do {
      return try ServiceRegistration.start(service) { isError, message in
        logger.log(isError ? .error : .info, message)
      }
    } catch {
      logger.log(.error, "zeroconf: \(error)")
      return nil
    }
  }
}
