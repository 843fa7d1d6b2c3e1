import DistPosix

extension LibSSH2Session {
  /// Checks the server's key against the known-hosts files; refuses unknown (unless `StrictHostKeyChecking`
  /// says otherwise), changed and revoked keys. Never prompts.
  func verifyHostKey(settings: SSHHostSettings, knownHosts: borrowing KnownHosts) throws(SSHError) {
    guard let (blob, type) = hostKey() else {
      throw .handshake(host: display, reason: "the server sent no host key")
    }
    guard let type else {
      throw .handshake(
        host: display, reason: "the server's host key type cannot be checked by libssh2")
    }
    let fingerprint = hostKeyFingerprint()
    if let file = knownHosts.revocation(of: blob) {
      throw .revokedHostKey(
        host: display, keyType: type.methodName, fingerprint: fingerprint, knownHostsFile: file)
    }
    let name = settings.knownHostsName
    switch knownHosts.check(name: name, type: type, key: blob) {
    case .match:
      return
    case .mismatch(let file):
      throw .changedHostKey(
        host: display, lookupName: name, keyType: type.methodName, fingerprint: fingerprint,
        knownHostsFile: file,
        knownHostsLine: knownHosts.mismatchLine(in: file, name: name, type: type, key: blob),
        keyscan: settings.keyscanCommand)
    case .notFound:
      let userFile = settings.userKnownHostsFiles.first ?? "~/.ssh/known_hosts"
      if settings.unknownHostKeyPolicy == .acceptAndRecord {
        appendKnownHost(path: userFile, name: name, type: type, key: blob)
        return
      }
      throw .unknownHostKey(
        host: display, lookupName: name, keyType: type.methodName, fingerprint: fingerprint,
        knownHostsFile: userFile, keyscan: settings.keyscanCommand)
    }
  }
}
