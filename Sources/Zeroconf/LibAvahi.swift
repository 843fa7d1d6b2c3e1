internal import CAvahi
internal import Glibc

/// libavahi-client's entry points (and those of libavahi-common, which it pulls in), loaded with `dlopen` the
/// first time `--zeroconf` or `+zeroconf` is used, so a client or daemon without them maps no Avahi or D-Bus
/// library. `CAvahi` supplies the headers' types and constants only and is not linked.
struct LibAvahi: @unchecked Sendable {
  typealias Client = OpaquePointer
  typealias EntryGroup = OpaquePointer
  typealias ServiceBrowser = OpaquePointer
  typealias ServiceResolver = OpaquePointer
  typealias SimplePoll = OpaquePointer
  typealias ThreadedPoll = OpaquePointer
  typealias StringList = UnsafeMutablePointer<AvahiStringList>

  /// Every interface (`AVAHI_IF_UNSPEC`) and every protocol (`AVAHI_PROTO_UNSPEC`).
  static let anyInterface = AvahiIfIndex(AVAHI_IF_UNSPEC)
  static let anyProtocol = AvahiProtocol(AVAHI_PROTO_UNSPEC)
  static let inet6 = AvahiProtocol(AVAHI_PROTO_INET6)
  static let collision = Int32(AVAHI_ERR_COLLISION)
  static let disconnected = Int32(AVAHI_ERR_DISCONNECTED)

  /// The shared object loaded: libavahi-client3's soname.
  static let soname = "libavahi-client.so.3"

  let clientNew:
    @convention(c) (
      UnsafePointer<AvahiPoll>?, AvahiClientFlags, AvahiClientCallback?, UnsafeMutableRawPointer?,
      UnsafeMutablePointer<Int32>?
    ) -> Client?
  let clientFree: @convention(c) (Client) -> Void
  let clientErrno: @convention(c) (Client) -> Int32
  let strerror: @convention(c) (Int32) -> UnsafePointer<CChar>?
  let entryGroupNew:
    @convention(c) (Client, AvahiEntryGroupCallback?, UnsafeMutableRawPointer?) -> EntryGroup?
  let entryGroupFree: @convention(c) (EntryGroup) -> Int32
  let entryGroupCommit: @convention(c) (EntryGroup) -> Int32
  let entryGroupReset: @convention(c) (EntryGroup) -> Int32
  let entryGroupAddServiceStrlst:
    @convention(c) (
      EntryGroup, AvahiIfIndex, AvahiProtocol, AvahiPublishFlags, UnsafePointer<CChar>,
      UnsafePointer<CChar>, UnsafePointer<CChar>?, UnsafePointer<CChar>?, UInt16, StringList?
    ) -> Int32
  let entryGroupAddServiceSubtype:
    @convention(c) (
      EntryGroup, AvahiIfIndex, AvahiProtocol, AvahiPublishFlags, UnsafePointer<CChar>,
      UnsafePointer<CChar>, UnsafePointer<CChar>?, UnsafePointer<CChar>
    ) -> Int32
  let serviceBrowserNew:
    @convention(c) (
      Client, AvahiIfIndex, AvahiProtocol, UnsafePointer<CChar>, UnsafePointer<CChar>?,
      AvahiLookupFlags, AvahiServiceBrowserCallback?, UnsafeMutableRawPointer?
    ) -> ServiceBrowser?
  let serviceBrowserFree: @convention(c) (ServiceBrowser) -> Int32
  let serviceResolverNew:
    @convention(c) (
      Client, AvahiIfIndex, AvahiProtocol, UnsafePointer<CChar>, UnsafePointer<CChar>,
      UnsafePointer<CChar>?, AvahiProtocol, AvahiLookupFlags, AvahiServiceResolverCallback?,
      UnsafeMutableRawPointer?
    ) -> ServiceResolver?
  let serviceResolverFree: @convention(c) (ServiceResolver) -> Int32
  let stringListAdd: @convention(c) (StringList?, UnsafePointer<CChar>) -> StringList?
  let stringListFree: @convention(c) (StringList?) -> Void
  let stringListFind: @convention(c) (StringList?, UnsafePointer<CChar>) -> StringList?
  let stringListGetPair:
    @convention(c) (
      StringList, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
      UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, UnsafeMutablePointer<Int>?
    ) -> Int32
  let alternativeServiceName: @convention(c) (UnsafePointer<CChar>) -> UnsafeMutablePointer<CChar>?
  let free: @convention(c) (UnsafeMutableRawPointer?) -> Void
  let addressSnprint:
    @convention(c) (UnsafeMutablePointer<CChar>, Int, UnsafePointer<AvahiAddress>) ->
      UnsafeMutablePointer<
        CChar
      >?
  let simplePollNew: @convention(c) () -> SimplePoll?
  let simplePollGet: @convention(c) (SimplePoll) -> UnsafePointer<AvahiPoll>?
  let simplePollIterate: @convention(c) (SimplePoll, Int32) -> Int32
  let simplePollFree: @convention(c) (SimplePoll) -> Void
  let threadedPollNew: @convention(c) () -> ThreadedPoll?
  let threadedPollGet: @convention(c) (ThreadedPoll) -> UnsafePointer<AvahiPoll>?
  let threadedPollStart: @convention(c) (ThreadedPoll) -> Int32
  let threadedPollStop: @convention(c) (ThreadedPoll) -> Int32
  let threadedPollFree: @convention(c) (ThreadedPoll) -> Void
  let threadedPollLock: @convention(c) (ThreadedPoll) -> Void
  let threadedPollUnlock: @convention(c) (ThreadedPoll) -> Void

  /// Avahi's text for an error code, e.g. "Daemon not running".
  func message(_ code: Int32) -> String {
    strerror(code).map { String(cString: $0) } ?? "error \(code)"
  }

  /// The library, loaded once per process on first use.
  static func shared() throws(ZeroconfError) -> LibAvahi {
    try loaded.get()
  }

  private static let loaded: Result<LibAvahi, ZeroconfError> = Result {
    () throws(ZeroconfError) -> LibAvahi in try load()
  }

  private static func load() throws(ZeroconfError) -> LibAvahi {
    guard let handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL) else {
      let reason = dlerror().map { String(cString: $0) } ?? "dlopen failed"
      throw .library(reason: reason)
    }
    func symbol<F>(_ name: String) throws(ZeroconfError) -> F {
      guard let address = dlsym(handle, name) else {
        throw .library(reason: "\(soname) lacks \(name)")
      }
      return unsafeBitCast(address, to: F.self)
    }
    return LibAvahi(
      clientNew: try symbol("avahi_client_new"),
      clientFree: try symbol("avahi_client_free"),
      clientErrno: try symbol("avahi_client_errno"),
      strerror: try symbol("avahi_strerror"),
      entryGroupNew: try symbol("avahi_entry_group_new"),
      entryGroupFree: try symbol("avahi_entry_group_free"),
      entryGroupCommit: try symbol("avahi_entry_group_commit"),
      entryGroupReset: try symbol("avahi_entry_group_reset"),
      entryGroupAddServiceStrlst: try symbol("avahi_entry_group_add_service_strlst"),
      entryGroupAddServiceSubtype: try symbol("avahi_entry_group_add_service_subtype"),
      serviceBrowserNew: try symbol("avahi_service_browser_new"),
      serviceBrowserFree: try symbol("avahi_service_browser_free"),
      serviceResolverNew: try symbol("avahi_service_resolver_new"),
      serviceResolverFree: try symbol("avahi_service_resolver_free"),
      stringListAdd: try symbol("avahi_string_list_add"),
      stringListFree: try symbol("avahi_string_list_free"),
      stringListFind: try symbol("avahi_string_list_find"),
      stringListGetPair: try symbol("avahi_string_list_get_pair"),
      alternativeServiceName: try symbol("avahi_alternative_service_name"),
      free: try symbol("avahi_free"),
      addressSnprint: try symbol("avahi_address_snprint"),
      simplePollNew: try symbol("avahi_simple_poll_new"),
      simplePollGet: try symbol("avahi_simple_poll_get"),
      simplePollIterate: try symbol("avahi_simple_poll_iterate"),
      simplePollFree: try symbol("avahi_simple_poll_free"),
      threadedPollNew: try symbol("avahi_threaded_poll_new"),
      threadedPollGet: try symbol("avahi_threaded_poll_get"),
      threadedPollStart: try symbol("avahi_threaded_poll_start"),
      threadedPollStop: try symbol("avahi_threaded_poll_stop"),
      threadedPollFree: try symbol("avahi_threaded_poll_free"),
      threadedPollLock: try symbol("avahi_threaded_poll_lock"),
      threadedPollUnlock: try symbol("avahi_threaded_poll_unlock"))
  }

  /// A C string Avahi allocated, as a Swift string, freed.
  func takeString(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
    guard let pointer else { return nil }
    defer { free(pointer) }
    return String(cString: pointer)
  }

  /// The value of `key` in a TXT record list, if present (`key=value`; an empty value for a bare `key`).
  func value(of key: String, in list: StringList?) -> String? {
    guard let entry = stringListFind(list, key) else { return nil }
    var name: UnsafeMutablePointer<CChar>?
    var value: UnsafeMutablePointer<CChar>?
    guard stringListGetPair(entry, &name, &value, nil) == 0 else { return nil }
    free(name)
    return takeString(value) ?? ""
  }
}
