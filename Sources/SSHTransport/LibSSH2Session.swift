internal import CLibSSH2
import DistPosix
import SystemPackage

/// One non-blocking libssh2 session on a connected TCP socket. Every call that can block loops on
/// `LIBSSH2_ERROR_EAGAIN`, polling the socket in the directions libssh2 asks for, until the caller's deadline.
///
/// Ownership: every libssh2 object made from a session is allocated and freed through it, so it must be freed
/// before `libssh2_session_free` (in `deinit`). Each lives either inside one call of a session method (the
/// ssh-agent handle: `self` is alive for the call) or in a Swift value that holds the session strongly
/// (``KnownHosts``; a channel's ``SSHChannel`` holds its ``SSHConnection``, which holds the session), so it is
/// always freed first, in whatever order an unwinding caller releases its locals. Keep no raw pointer to a
/// session's object anywhere else.
final class LibSSH2Session {
  /// The loaded library (see ``LibSSH2``).
  let api: LibSSH2
  let raw: OpaquePointer
  let socket: FileDescriptor
  /// `user@host[:port]`, for messages.
  let display: String

  init(socket: FileDescriptor, display: String) throws(SSHError) {
    let api: LibSSH2
    do throws(SSHError) {
      api = try LibSSH2.shared()
    } catch {
      socket.closeIgnoringErrors()
      throw error
    }
    guard let raw = api.sessionInitEx(nil, nil, nil, nil) else {
      socket.closeIgnoringErrors()
      throw .handshake(host: display, reason: "libssh2 could not be initialised")
    }
    self.api = api
    self.raw = raw
    self.socket = socket
    self.display = display
    api.sessionSetBlocking(raw, 0)
  }

  deinit {
    // Bounded goodbye: blocking calls with a short timeout, so a dead peer cannot hold the caller.
    api.sessionSetTimeout(raw, 1000)
    api.sessionSetBlocking(raw, 1)
    _ = api.sessionDisconnectEx(raw, SSH_DISCONNECT_BY_APPLICATION, "done", "")
    _ = api.sessionFree(raw)
    socket.closeIgnoringErrors()
  }

  /// libssh2's last error message.
  var lastError: String {
    var message: UnsafeMutablePointer<CChar>? = nil
    var length: Int32 = 0
    let code = api.sessionLastError(raw, &message, &length, 0)
    guard let message, length > 0 else { return "libssh2 error \(code)" }
    return String(
      decoding: UnsafeRawBufferPointer(start: message, count: Int(length)), as: UTF8.self)
  }

  var lastErrorCode: Int32 { api.sessionLastErrno(raw) }

  /// Sets algorithm preferences (`LIBSSH2_METHOD_*`) before the handshake.
  func prefer(_ method: Int32, _ list: String) {
    _ = api.sessionMethodPref(raw, method, list)
  }

  /// Waits until the socket is ready in the direction libssh2 last blocked on.
  func waitForSocket(stage: SSHError.Stage, deadline: Deadline) throws(SSHError) {
    let directions = api.sessionBlockDirections(raw)
    var events: PollEvents = []
    if directions & LIBSSH2_SESSION_BLOCK_INBOUND != 0 { events.insert(.readable) }
    if directions & LIBSSH2_SESSION_BLOCK_OUTBOUND != 0 { events.insert(.writable) }
    if events.isEmpty { events = .readable }
    if deadline.hasPassed { throw .timedOut(host: display, stage: stage) }
    do throws(PosixError) {
      _ = try Poll.wait(for: events, on: socket, deadline: deadline, operation: "poll")
    } catch {
      if case .timedOut = error { throw .timedOut(host: display, stage: stage) }
      throw .io(host: display, reason: error.description)
    }
  }

  /// Calls `body` until it stops answering `EAGAIN`; returns its last result.
  func retry(_ stage: SSHError.Stage, deadline: Deadline, _ body: () -> Int32) throws(SSHError)
    -> Int32
  {
    while true {
      let result = body()
      if result != LIBSSH2_ERROR_EAGAIN { return result }
      try waitForSocket(stage: stage, deadline: deadline)
    }
  }

  /// Calls a pointer-returning `body` until it returns a value or fails with something other than `EAGAIN`.
  func retry<T>(_ stage: SSHError.Stage, deadline: Deadline, _ body: () -> T?) throws(SSHError)
    -> T?
  {
    while true {
      if let value = body() { return value }
      if lastErrorCode != LIBSSH2_ERROR_EAGAIN { return nil }
      try waitForSocket(stage: stage, deadline: deadline)
    }
  }

  /// Key exchange with `preferences`, offering host key types in `hostKeyOrder`; no compression.
  func handshake(preferences: AlgorithmPreferences, hostKeyOrder: [HostKeyType], deadline: Deadline)
    throws(SSHError)
  {
    prefer(LIBSSH2_METHOD_KEX, preferences.keyExchange)
    prefer(LIBSSH2_METHOD_HOSTKEY, hostKeyOrder.map(\.methodName).joined(separator: ","))
    prefer(LIBSSH2_METHOD_CRYPT_CS, preferences.ciphers)
    prefer(LIBSSH2_METHOD_CRYPT_SC, preferences.ciphers)
    prefer(LIBSSH2_METHOD_MAC_CS, preferences.macs)
    prefer(LIBSSH2_METHOD_MAC_SC, preferences.macs)
    prefer(LIBSSH2_METHOD_COMP_CS, "none")
    prefer(LIBSSH2_METHOD_COMP_SC, "none")
    let result = try retry(.handshake, deadline: deadline) {
      api.sessionHandshake(raw, socket.rawValue)
    }
    if result == LIBSSH2_ERROR_KEX_FAILURE && !api.hasRSASHA2 {
      throw .handshake(
        host: display,
        reason: lastError
          + " (no common key exchange or host key type; if the host has only an RSA host key:"
          + " libssh2 \(api.versionString) verifies RSA only as SHA-1 ssh-rsa, which OpenSSH 8.8 and later do"
          + " not offer; give the host an Ed25519 key or set DISTCC_SSH=ssh)")
    }
    if result != 0 { throw .handshake(host: display, reason: lastError) }
  }

  /// The negotiated algorithm of one `LIBSSH2_METHOD_*` kind, for measurements and messages.
  func negotiated(_ method: Int32) -> String? {
    api.sessionMethods(raw, method).map { String(cString: $0) }
  }

  /// The server's host key blob and type, after the handshake.
  func hostKey() -> (blob: [UInt8], type: HostKeyType?)? {
    var length = 0
    var type: Int32 = 0
    guard let key = api.sessionHostkey(raw, &length, &type) else { return nil }
    let blob = Array(UnsafeRawBufferPointer(start: key, count: length))
    return (blob, HostKeyType(sessionType: type))
  }

  /// The SHA-256 fingerprint of the server's host key as OpenSSH prints it (`SHA256:…`).
  func hostKeyFingerprint() -> String {
    guard let hash = api.hostkeyHash(raw, LIBSSH2_HOSTKEY_HASH_SHA256) else { return "SHA256:?" }
    let bytes = UnsafeRawBufferPointer(start: hash, count: 32)
    return "SHA256:" + Base64.encode(bytes, padding: false)
  }
}
