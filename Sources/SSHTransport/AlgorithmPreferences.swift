/// The algorithms offered in the handshake, cheapest first for a short-lived connection on a fast network.
/// Docs/ssh.md has the measurements behind the order. Algorithms OpenSSH has retired (SHA-1 key exchange, CBC,
/// RC4, MD5) are not offered at all.
struct AlgorithmPreferences: Sendable, Equatable {
  /// X25519 is the cheapest key exchange libssh2 1.10 has; NIST P-256 next.
  var keyExchange =
    "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,"
    + "ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,"
    + "diffie-hellman-group14-sha256"
  /// AES-CTR runs on AES-NI; libssh2 1.10 has neither AES-GCM nor ChaCha20-Poly1305.
  var ciphers = "aes128-ctr,aes256-ctr,aes192-ctr"
  /// HMAC-SHA-256 runs on the SHA extensions of current x86 and ARM cores.
  var macs = "hmac-sha2-256,hmac-sha2-512,hmac-sha1"
  /// Host key algorithms, before the ones the known-hosts files record for the host are moved to the front.
  var hostKeys: [HostKeyType] = HostKeyType.allCases

  static let standard = AlgorithmPreferences()
}

/// A host key algorithm libssh2 1.10 can verify, in the order we prefer them (Ed25519 verifies fastest).
enum HostKeyType: CaseIterable, Sendable, Equatable {
  case ed25519, ecdsa256, ecdsa384, ecdsa521, rsa

  /// The SSH name (`ssh-ed25519`), as in handshakes and known-hosts files.
  var methodName: String {
    switch self {
    case .ed25519: "ssh-ed25519"
    case .ecdsa256: "ecdsa-sha2-nistp256"
    case .ecdsa384: "ecdsa-sha2-nistp384"
    case .ecdsa521: "ecdsa-sha2-nistp521"
    case .rsa: "ssh-rsa"
    }
  }
}
