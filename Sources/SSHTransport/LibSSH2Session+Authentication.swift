internal import CLibSSH2
import DistPosix

extension LibSSH2Session {
  /// Public-key authentication as OpenSSH does it without a terminal: the agent's keys first (only those matching
  /// an `IdentityFile` under `IdentitiesOnly yes`), then the key files in order. Encrypted key files are skipped,
  /// never prompted for.
  func authenticate(settings: SSHHostSettings, agentSocket: String?, deadline: Deadline)
    throws(SSHError)
  {
    let user = settings.user
    let methods = try retry(.authentication, deadline: deadline) {
      api.userauthList(raw, user, UInt32(user.utf8.count))
    }
    if api.userauthAuthenticated(raw) != 0 { return }
    guard let methods else {
      throw .authentication(host: display, user: user, tried: [], reason: lastError)
    }
    let offered = String(cString: methods)
    guard offered.split(separator: ",").contains("publickey") else {
      throw .authentication(
        host: display, user: user, tried: [],
        reason: "the server offers only \(offered), not publickey")
    }
    var tried: [String] = []
    defer { refusedForSHA1 = [] }
    if let agentSocket,
      try authenticateWithAgent(
        socket: agentSocket, settings: settings, deadline: deadline, tried: &tried)
    {
      return
    }
    for path in settings.identityFiles where ConfigFiles.exists(path) {
      let publicPath = path + ".pub"
      let hasPublic = ConfigFiles.exists(publicPath)
      let result = try retry(.authentication, deadline: deadline) {
        api.userauthPublickeyFromfileEx(
          raw, user, UInt32(user.utf8.count), hasPublic ? publicPath : nil, path, "")
      }
      if result == 0 { return }
      let message = lastError
      if result == LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED && message == "Callback returned error" {
        // The server would take the public key, but the private key could not sign: encrypted or unreadable.
        tried.append(
          "\(path) (unusable: cannot load the private key; if it has a passphrase, add it to ssh-agent)"
        )
      } else if result == LIBSSH2_ERROR_AUTHENTICATION_FAILED
        || result == LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED
      {
        tried.append(refusal(of: path, blob: publicKeyBlob(path)))
      } else {
        tried.append("\(path) (unusable: \(message))")
      }
    }
    if let rsa = refusedForSHA1.first {
      throw .needsOpenSSH(
        host: display,
        reason:
          "\(rsa) is an RSA key, which libssh2 \(api.versionString) signs only with SHA-1 (ssh-rsa),"
          + " refused by OpenSSH 8.8 and later")
    }
    throw .authentication(host: display, user: user, tried: tried, reason: "no key was accepted")
  }

  /// Tries each agent identity; `true` once one is accepted.
  private func authenticateWithAgent(
    socket: String, settings: SSHHostSettings, deadline: Deadline, tried: inout [String]
  ) throws(SSHError) -> Bool {
    // The agent handle is made from this session and freed before this call returns (see the type's note).
    guard let agent = api.agentInit(raw) else { return false }
    defer { api.agentFree(agent) }
    api.agentSetIdentityPath(agent, socket)
    guard api.agentConnect(agent) == 0 else {
      tried.append("agent at \(socket) (cannot connect)")
      return false
    }
    defer { _ = api.agentDisconnect(agent) }
    guard api.agentListIdentities(agent) == 0 else {
      tried.append("agent at \(socket) (cannot list keys)")
      return false
    }
    let allowed: [[UInt8]]? =
      settings.identitiesOnly ? settings.identityFiles.compactMap(publicKeyBlob) : nil
    var previous: UnsafeMutablePointer<libssh2_agent_publickey>? = nil
    while true {
      var identity: UnsafeMutablePointer<libssh2_agent_publickey>? = nil
      guard api.agentGetIdentity(agent, &identity, previous) == 0, let identity else {
        return false
      }
      previous = identity
      let blob = Array(
        UnsafeRawBufferPointer(start: identity.pointee.blob, count: identity.pointee.blob_len))
      if let allowed, !allowed.contains(blob) { continue }
      let user = settings.user
      let result = try retry(.authentication, deadline: deadline) {
        api.agentUserauth(agent, user, identity)
      }
      if result == 0 { return true }
      let comment = identity.pointee.comment.map { String(cString: $0) } ?? "key"
      tried.append(refusal(of: "agent key \(comment)", blob: blob))
    }
  }
}

extension LibSSH2Session {
  /// How the error lists a key the server refused: `KEY (refused)`, with the reason when it is an RSA key this
  /// libssh2 can sign only with SHA-1 (which OpenSSH 8.8 and later refuse whether or not the key is authorized).
  fileprivate func refusal(of key: String, blob: [UInt8]?) -> String {
    guard let blob, keyTypeName(blob) == "ssh-rsa", !api.hasRSASHA2 else {
      return "\(key) (refused)"
    }
    refusedForSHA1.append(key)
    return
      "\(key) (refused: an ssh-rsa key, which libssh2 \(api.versionString) signs only with SHA-1,"
      + " refused by OpenSSH 8.8 and later; use an Ed25519 or ECDSA key, or DISTCC_SSH=ssh)"
  }
}

/// The key type an SSH public key blob starts with (`ssh-ed25519`, `ssh-rsa`, …): a 32-bit big-endian length,
/// then the name.
private func keyTypeName(_ blob: [UInt8]) -> String? {
  guard blob.count >= 4 else { return nil }
  let length = blob[0..<4].reduce(0) { $0 << 8 | Int($1) }
  guard length <= blob.count - 4 else { return nil }
  return String(decoding: blob[4..<4 + length], as: UTF8.self)
}

/// The key blob of `path.pub` (`TYPE BASE64 [COMMENT]`), if readable.
private func publicKeyBlob(_ path: String) -> [UInt8]? {
  guard case .success(let bytes)? = ConfigFiles.read(path + ".pub", limit: 65536) else {
    return nil
  }
  let fields = bytes.split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") })
  guard fields.count >= 2 else { return nil }
  return Base64.decode(String(decoding: fields[1], as: UTF8.self))
}
