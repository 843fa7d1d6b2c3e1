internal import Glibc  // getpwuid_r and its struct passwd: the user's home and name

/// The effective user's login name from the password database, as OpenSSH takes it.
enum LocalUser {
  static func name() -> String? {
    var entry = passwd()
    var result: UnsafeMutablePointer<passwd>? = nil
    var buffer = [CChar](repeating: 0, count: 4096)
    let status = getpwuid_r(geteuid(), &entry, &buffer, buffer.count, &result)
    guard status == 0, result != nil, let name = entry.pw_name else { return nil }
    return String(cString: name)
  }
}
