internal import CAvahi
internal import Glibc

/// A daemon's DNS-SD registration (`distccd --zeroconf`), kept alive on Avahi's threaded poll, a thread of its
/// own, as distcc 3.4 does; ``stop()`` withdraws it.
///
/// On a name collision (another host advertises the same `distcc@<host>`, or another daemon on this host
/// does) the registration takes Avahi's alternative name (`distcc@<host> #2`) and registers again. When the
/// Avahi daemon goes away the registration waits for it to come back and registers again.
public final class ServiceRegistration: @unchecked Sendable {
  /// Receives one line per event (registered, renamed, failed), for the daemon's log.
  public typealias Log = @Sendable (_ isError: Bool, _ message: String) -> Void

  private let avahi: LibAvahi
  private let poll: LibAvahi.ThreadedPoll
  private let log: Log
  // Touched only on Avahi's thread once the poll runs (callbacks), or before it starts.
  private var service: DistccService
  private var client: LibAvahi.Client?
  private var group: LibAvahi.EntryGroup?
  private var stopped = false

  /// Connects to Avahi and starts registering `service` (Avahi not running yet is not an error: the
  /// registration happens when it appears).
  public static func start(_ service: DistccService, log: @escaping Log) throws(ZeroconfError)
    -> ServiceRegistration
  {
    let avahi = try LibAvahi.shared()
    guard let poll = avahi.threadedPollNew() else {
      throw .avahi(
        operation: "avahi_threaded_poll_new", reason: "failed to create event loop object")
    }
    let registration = ServiceRegistration(avahi: avahi, poll: poll, service: service, log: log)
    try registration.connect()
    guard avahi.threadedPollStart(poll) == 0 else {
      registration.release()
      throw .avahi(operation: "avahi_threaded_poll_start", reason: "failed to create thread")
    }
    return registration
  }

  private init(
    avahi: LibAvahi, poll: LibAvahi.ThreadedPoll, service: DistccService, log: @escaping Log
  ) {
    self.avahi = avahi
    self.poll = poll
    self.service = service
    self.log = log
  }

  /// Withdraws the service and stops Avahi's thread.
  public func stop() {
    avahi.threadedPollLock(poll)
    stopped = true
    avahi.threadedPollUnlock(poll)
    _ = avahi.threadedPollStop(poll)
    release()
  }

  private func release() {
    if let client { avahi.clientFree(client) }  // frees the entry group too
    client = nil
    group = nil
    avahi.threadedPollFree(poll)
  }

  private var context: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

  private static func from(_ raw: UnsafeMutableRawPointer?) -> ServiceRegistration {
    Unmanaged<ServiceRegistration>.fromOpaque(raw!).takeUnretainedValue()
  }

  private func connect() throws(ZeroconfError) {
    var error: Int32 = 0
    let created = avahi.clientNew(
      avahi.threadedPollGet(poll), AVAHI_CLIENT_NO_FAIL,
      { client, state, raw in
        guard let client else { return }
        ServiceRegistration.from(raw).clientChanged(client, state)
      }, context, &error)
    guard let created else {
      throw .avahi(operation: "failed to create client object", reason: avahi.message(error))
    }
    client = created
  }

  private func clientChanged(_ changed: LibAvahi.Client, _ state: AvahiClientState) {
    client = changed
    switch state {
    case AVAHI_CLIENT_S_RUNNING:
      register()
    case AVAHI_CLIENT_S_COLLISION, AVAHI_CLIENT_S_REGISTERING:
      // The host name is changing: withdraw; RUNNING follows and registers again.
      if let group { _ = avahi.entryGroupReset(group) }
    case AVAHI_CLIENT_FAILURE:
      let code = avahi.clientErrno(changed)
      log(true, "zeroconf: Avahi client failure: \(avahi.message(code))")
      guard code == LibAvahi.disconnected, !stopped else { return }
      // The Avahi daemon went away: start over and wait for it to return.
      avahi.clientFree(changed)
      client = nil
      group = nil
      do { try connect() } catch { log(true, "zeroconf: \(error)") }
    default:
      break
    }
  }

  private func groupChanged(_ state: AvahiEntryGroupState) {
    switch state {
    case AVAHI_ENTRY_GROUP_ESTABLISHED:
      log(false, "zeroconf: registered \(service.name) on port \(service.port)")
    case AVAHI_ENTRY_GROUP_COLLISION:
      rename()
      if let group { _ = avahi.entryGroupReset(group) }
      register()
    case AVAHI_ENTRY_GROUP_FAILURE:
      let code = client.map(avahi.clientErrno) ?? 0
      log(true, "zeroconf: registration failed: \(avahi.message(code))")
    default:
      break
    }
  }

  private func rename() {
    let next = avahi.takeString(avahi.alternativeServiceName(service.name)) ?? service.name + " #2"
    log(false, "zeroconf: service name \(service.name) is taken, renaming to \(next)")
    service.name = next
  }

  /// Adds the service, its subtype and TXT records to the (empty) entry group and commits it.
  private func register() {
    guard let client, !stopped else { return }
    if group == nil {
      group = avahi.entryGroupNew(
        client, { _, state, raw in ServiceRegistration.from(raw).groupChanged(state) }, context)
    }
    guard let group else {
      log(
        true, "zeroconf: failed to create entry group: \(avahi.message(avahi.clientErrno(client)))")
      return
    }
    var code = addService(to: group)
    while code == LibAvahi.collision {
      // Another service of this name on this Avahi daemon: 3.4 gives up here; take the next name.
      rename()
      _ = avahi.entryGroupReset(group)
      code = addService(to: group)
    }
    if code == 0 { code = avahi.entryGroupCommit(group) }
    if code < 0 { log(true, "zeroconf: failed to register service: \(avahi.message(code))") }
  }

  private func addService(to group: LibAvahi.EntryGroup) -> Int32 {
    // In 3.4's order on the bus (avahi_string_list_add prepends; the client library sends the list reversed).
    var list: LibAvahi.StringList? = nil
    for record in service.textRecords { list = avahi.stringListAdd(list, record) }
    defer { avahi.stringListFree(list) }
    let code = avahi.entryGroupAddServiceStrlst(
      group, LibAvahi.anyInterface, LibAvahi.anyProtocol, AvahiPublishFlags(0), service.name,
      DistccService.type, nil, nil, service.port, list)
    guard code == 0, let subtype = service.compiler?.subtype else { return code }
    return avahi.entryGroupAddServiceSubtype(
      group, LibAvahi.anyInterface, LibAvahi.anyProtocol, AvahiPublishFlags(0), service.name,
      DistccService.type, nil, subtype)
  }
}
