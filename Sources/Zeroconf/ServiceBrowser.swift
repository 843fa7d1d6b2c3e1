internal import CAvahi
internal import Glibc

/// Browses DNS-SD for distcc daemons of one subtype (or all of `_distcc._tcp`) and resolves each, on Avahi's
/// simple poll in the calling thread, as distcc 3.4's zeroconf helper does.
public final class ServiceBrowser {
  private let avahi: LibAvahi
  private let poll: LibAvahi.SimplePoll
  private var client: LibAvahi.Client?
  private var browser: LibAvahi.ServiceBrowser?
  /// Resolved daemons in the order found (a service seen on several interfaces counts once).
  private var found: [DiscoveredDaemon] = []
  private var pendingResolves = 0
  private var allForNow = false
  private var cacheExhausted = false
  private var changed = false
  private var failure: ZeroconfError?

  /// Starts browsing for `type` (a subtype such as `_x86-64-linux-gnu--12._sub._distcc._tcp`, or
  /// `_distcc._tcp`).
  public init(type: String) throws(ZeroconfError) {
    avahi = try LibAvahi.shared()
    guard let poll = avahi.simplePollNew() else {
      throw .avahi(
        operation: "avahi_simple_poll_new", reason: "failed to create simple poll object")
    }
    self.poll = poll
    var error: Int32 = 0
    let context = Unmanaged.passUnretained(self).toOpaque()
    client = avahi.clientNew(
      avahi.simplePollGet(poll), AvahiClientFlags(0),
      { _, state, raw in
        guard state == AVAHI_CLIENT_FAILURE else { return }
        let browser = Unmanaged<ServiceBrowser>.fromOpaque(raw!).takeUnretainedValue()
        browser.failure = .avahi(operation: "Avahi client", reason: "failure")
      }, context, &error)
    guard let client else {
      avahi.simplePollFree(poll)
      throw .avahi(operation: "failed to create Avahi client object", reason: avahi.message(error))
    }
    browser = avahi.serviceBrowserNew(
      client, LibAvahi.anyInterface, LibAvahi.anyProtocol, type, nil, AvahiLookupFlags(0),
      { _, interface, proto, event, name, type, domain, _, raw in
        Unmanaged<ServiceBrowser>.fromOpaque(raw!).takeUnretainedValue().browsed(
          interface, proto, event, name, type, domain)
      }, context)
    guard browser != nil else {
      let reason = avahi.message(avahi.clientErrno(client))
      avahi.clientFree(client)
      avahi.simplePollFree(poll)
      throw .avahi(operation: "failed to create service browser object", reason: reason)
    }
  }

  deinit {
    if let client { avahi.clientFree(client) }
    avahi.simplePollFree(poll)
  }

  /// The daemons resolved so far, in the order found.
  public var daemons: [DiscoveredDaemon] { found }

  /// Whether every resolution finished and Avahi has reported everything it will know soon (`ALL_FOR_NOW`, about
  /// a second on a cold cache), or everything its cache held when that found a daemon.
  public var settled: Bool {
    pendingResolves == 0 && (allForNow || (cacheExhausted && !found.isEmpty))
  }

  /// Runs the event loop for at most `milliseconds`; returns whether the set of daemons changed since the
  /// last call.
  public func iterate(milliseconds: Int32) throws(ZeroconfError) -> Bool {
    if avahi.simplePollIterate(poll, milliseconds) < 0 {
      throw .avahi(operation: "avahi_simple_poll_iterate", reason: "event loop exited abnormally")
    }
    if let failure { throw failure }
    defer { changed = false }
    return changed
  }

  private func browsed(
    _ interface: AvahiIfIndex, _ proto: AvahiProtocol, _ event: AvahiBrowserEvent,
    _ name: UnsafePointer<CChar>?, _ type: UnsafePointer<CChar>?, _ domain: UnsafePointer<CChar>?
  ) {
    switch event {
    case AVAHI_BROWSER_NEW:
      guard let client, let name, let type else { return }
      let context = Unmanaged.passUnretained(self).toOpaque()
      let resolver = avahi.serviceResolverNew(
        client, interface, proto, name, type, domain, LibAvahi.anyProtocol, AvahiLookupFlags(0),
        { resolver, _, _, event, name, _, _, _, address, port, txt, _, raw in
          Unmanaged<ServiceBrowser>.fromOpaque(raw!).takeUnretainedValue().resolved(
            event, name, address, port, txt)
          if let resolver {
            _ = (try? LibAvahi.shared())?.serviceResolverFree(resolver)
          }
        }, context)
      if resolver != nil { pendingResolves += 1 }
    case AVAHI_BROWSER_REMOVE:
      guard let name else { return }
      let gone = String(cString: name)
      if found.contains(where: { $0.name == gone }) {
        found.removeAll { $0.name == gone }
        changed = true
      }
    case AVAHI_BROWSER_ALL_FOR_NOW:
      allForNow = true
      changed = true
    case AVAHI_BROWSER_CACHE_EXHAUSTED:
      cacheExhausted = true
    case AVAHI_BROWSER_FAILURE:
      failure = .avahi(
        operation: "service browser",
        reason: client.map { avahi.message(avahi.clientErrno($0)) } ?? "failure")
    default:
      break
    }
  }

  private func resolved(
    _ event: AvahiResolverEvent, _ name: UnsafePointer<CChar>?,
    _ address: UnsafePointer<AvahiAddress>?, _ port: UInt16, _ txt: LibAvahi.StringList?
  ) {
    pendingResolves -= 1
    changed = true
    guard event == AVAHI_RESOLVER_FOUND, let name, let address else { return }
    var text = [CChar](repeating: 0, count: Int(AVAHI_ADDRESS_STR_MAX))
    _ = avahi.addressSnprint(&text, text.count, address)
    let daemon = DiscoveredDaemon(
      name: String(cString: name),
      address: String(
        decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self),
      isIPv6: address.pointee.proto == LibAvahi.inet6, port: port,
      jobs: DiscoveredDaemon.jobs(
        txtJobs: avahi.value(of: "jobs", in: txt), txtCPUs: avahi.value(of: "cpus", in: txt)))
    if let index = found.firstIndex(where: { $0.name == daemon.name }) {
      found[index] = daemon
    } else {
      found.append(daemon)
    }
  }
}
