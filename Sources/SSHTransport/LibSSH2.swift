internal import CLibSSH2
internal import Glibc  // dlopen/dlsym: libssh2 is loaded on first use, not linked

/// libssh2's entry points, loaded with `dlopen` the first time an SSH host is used, so a client that never
/// talks SSH does not load and relocate libssh2, libcrypto, libssl and libz at every start (about 3 M
/// instructions and 2 MiB of RSS per process). The types are those of `<libssh2.h>`; `CLibSSH2` supplies the
/// header's types and constants only and is not linked.
struct LibSSH2: @unchecked Sendable {
  typealias Session = OpaquePointer
  typealias Channel = OpaquePointer
  typealias Agent = OpaquePointer
  typealias KnownHostCollection = OpaquePointer
  typealias AgentKey = UnsafeMutablePointer<libssh2_agent_publickey>
  typealias KnownHostEntry = UnsafeMutablePointer<libssh2_knownhost>

  /// The shared object loaded: libssh2-1's soname.
  static let soname = "libssh2.so.1"

  let initialize: @convention(c) (Int32) -> Int32
  /// `libssh2_version(required)`: the version string, or NULL if older than `required` (`0xMMmmpp`).
  let version: @convention(c) (Int32) -> UnsafePointer<CChar>?
  // The allocator hooks are C function pointers; we always pass NULL for them.
  let sessionInitEx:
    @convention(c) (
      UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, UnsafeMutableRawPointer?,
      UnsafeMutableRawPointer?
    ) -> Session?
  let sessionSetBlocking: @convention(c) (Session, Int32) -> Void
  let sessionSetTimeout: @convention(c) (Session, Int) -> Void
  let sessionDisconnectEx:
    @convention(c) (Session, Int32, UnsafePointer<CChar>, UnsafePointer<CChar>) -> Int32
  let sessionFree: @convention(c) (Session) -> Int32
  let sessionLastError:
    @convention(c) (
      Session, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, UnsafeMutablePointer<Int32>?,
      Int32
    )
      -> Int32
  let sessionLastErrno: @convention(c) (Session) -> Int32
  let sessionMethodPref: @convention(c) (Session, Int32, UnsafePointer<CChar>) -> Int32
  let sessionBlockDirections: @convention(c) (Session) -> Int32
  let sessionHandshake: @convention(c) (Session, Int32) -> Int32
  let sessionMethods: @convention(c) (Session, Int32) -> UnsafePointer<CChar>?
  let sessionHostkey:
    @convention(c) (Session, UnsafeMutablePointer<Int>?, UnsafeMutablePointer<Int32>?) ->
      UnsafePointer<CChar>?
  let hostkeyHash: @convention(c) (Session, Int32) -> UnsafePointer<CChar>?
  let userauthList:
    @convention(c) (Session, UnsafePointer<CChar>, UInt32) -> UnsafeMutablePointer<CChar>?
  let userauthAuthenticated: @convention(c) (Session) -> Int32
  let userauthPublickeyFromfileEx:
    @convention(c) (
      Session, UnsafePointer<CChar>, UInt32, UnsafePointer<CChar>?, UnsafePointer<CChar>,
      UnsafePointer<CChar>?
    ) -> Int32
  let agentInit: @convention(c) (Session) -> Agent?
  let agentFree: @convention(c) (Agent) -> Void
  let agentSetIdentityPath: @convention(c) (Agent, UnsafePointer<CChar>) -> Void
  let agentConnect: @convention(c) (Agent) -> Int32
  let agentDisconnect: @convention(c) (Agent) -> Int32
  let agentListIdentities: @convention(c) (Agent) -> Int32
  let agentGetIdentity: @convention(c) (Agent, UnsafeMutablePointer<AgentKey?>, AgentKey?) -> Int32
  let agentUserauth: @convention(c) (Agent, UnsafePointer<CChar>, AgentKey) -> Int32
  let knownhostInit: @convention(c) (Session) -> KnownHostCollection?
  let knownhostFree: @convention(c) (KnownHostCollection) -> Void
  let knownhostReadline:
    @convention(c) (KnownHostCollection, UnsafePointer<CChar>?, Int, Int32) -> Int32
  let knownhostCheckp:
    @convention(c) (
      KnownHostCollection, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>?, Int, Int32,
      UnsafeMutablePointer<KnownHostEntry?>?
    ) -> Int32
  let channelOpenEx:
    @convention(c) (
      Session, UnsafePointer<CChar>, UInt32, UInt32, UInt32, UnsafePointer<CChar>?, UInt32
    ) -> Channel?
  let channelProcessStartup:
    @convention(c) (Channel, UnsafePointer<CChar>, UInt32, UnsafePointer<CChar>?, UInt32) -> Int32
  let channelReadEx: @convention(c) (Channel, Int32, UnsafeMutablePointer<CChar>?, Int) -> Int
  let channelWriteEx: @convention(c) (Channel, Int32, UnsafePointer<CChar>?, Int) -> Int
  let channelSendEof: @convention(c) (Channel) -> Int32
  let channelEof: @convention(c) (Channel) -> Int32
  let channelWaitClosed: @convention(c) (Channel) -> Int32
  let channelGetExitStatus: @convention(c) (Channel) -> Int32
  let channelFree: @convention(c) (Channel) -> Int32

  /// The loaded library's version, e.g. `1.10.0`.
  var versionString: String { version(0).map { String(cString: $0) } ?? "?" }

  /// Whether the library signs and verifies RSA with SHA-2 (`rsa-sha2-256/512`, libssh2 1.11 and later). Older
  /// ones know only SHA-1 `ssh-rsa`, which OpenSSH 8.8 and later neither accept from a user key nor offer as a
  /// host key.
  var hasRSASHA2: Bool { version(0x01_0b_00) != nil }

  /// The library, loaded and initialised (`libssh2_init`) once per process on first use.
  static func shared() throws(SSHError) -> LibSSH2 {
    try loaded.get()
  }

  private static let loaded: Result<LibSSH2, SSHError> = Result { () throws(SSHError) -> LibSSH2 in
    let library = try load()
    guard library.initialize(0) == 0 else {
      throw .library(name: soname, reason: "libssh2_init failed")
    }
    return library
  }

  private static func load() throws(SSHError) -> LibSSH2 {
    guard let handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL) else {
      let reason = dlerror().map { String(cString: $0) } ?? "dlopen failed"
      throw .library(name: soname, reason: reason)
    }
    func symbol<F>(_ name: String) throws(SSHError) -> F {
      guard let address = dlsym(handle, name) else {
        throw .library(name: soname, reason: "it lacks \(name) (libssh2 1.9 or later is needed)")
      }
      return unsafeBitCast(address, to: F.self)
    }
    let library = LibSSH2(
      initialize: try symbol("libssh2_init"),
      version: try symbol("libssh2_version"),
      sessionInitEx: try symbol("libssh2_session_init_ex"),
      sessionSetBlocking: try symbol("libssh2_session_set_blocking"),
      sessionSetTimeout: try symbol("libssh2_session_set_timeout"),
      sessionDisconnectEx: try symbol("libssh2_session_disconnect_ex"),
      sessionFree: try symbol("libssh2_session_free"),
      sessionLastError: try symbol("libssh2_session_last_error"),
      sessionLastErrno: try symbol("libssh2_session_last_errno"),
      sessionMethodPref: try symbol("libssh2_session_method_pref"),
      sessionBlockDirections: try symbol("libssh2_session_block_directions"),
      sessionHandshake: try symbol("libssh2_session_handshake"),
      sessionMethods: try symbol("libssh2_session_methods"),
      sessionHostkey: try symbol("libssh2_session_hostkey"),
      hostkeyHash: try symbol("libssh2_hostkey_hash"),
      userauthList: try symbol("libssh2_userauth_list"),
      userauthAuthenticated: try symbol("libssh2_userauth_authenticated"),
      userauthPublickeyFromfileEx: try symbol("libssh2_userauth_publickey_fromfile_ex"),
      agentInit: try symbol("libssh2_agent_init"),
      agentFree: try symbol("libssh2_agent_free"),
      agentSetIdentityPath: try symbol("libssh2_agent_set_identity_path"),
      agentConnect: try symbol("libssh2_agent_connect"),
      agentDisconnect: try symbol("libssh2_agent_disconnect"),
      agentListIdentities: try symbol("libssh2_agent_list_identities"),
      agentGetIdentity: try symbol("libssh2_agent_get_identity"),
      agentUserauth: try symbol("libssh2_agent_userauth"),
      knownhostInit: try symbol("libssh2_knownhost_init"),
      knownhostFree: try symbol("libssh2_knownhost_free"),
      knownhostReadline: try symbol("libssh2_knownhost_readline"),
      knownhostCheckp: try symbol("libssh2_knownhost_checkp"),
      channelOpenEx: try symbol("libssh2_channel_open_ex"),
      channelProcessStartup: try symbol("libssh2_channel_process_startup"),
      channelReadEx: try symbol("libssh2_channel_read_ex"),
      channelWriteEx: try symbol("libssh2_channel_write_ex"),
      channelSendEof: try symbol("libssh2_channel_send_eof"),
      channelEof: try symbol("libssh2_channel_eof"),
      channelWaitClosed: try symbol("libssh2_channel_wait_closed"),
      channelGetExitStatus: try symbol("libssh2_channel_get_exit_status"),
      channelFree: try symbol("libssh2_channel_free"))
    return library
  }
}
