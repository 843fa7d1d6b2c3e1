internal import CLibSSH2
import DistPosix
import SystemPackage

extension HostKeyType {
  init?(sessionType: Int32) {
    switch sessionType {
    case LIBSSH2_HOSTKEY_TYPE_ED25519: self = .ed25519
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: self = .ecdsa256
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: self = .ecdsa384
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: self = .ecdsa521
    case LIBSSH2_HOSTKEY_TYPE_RSA: self = .rsa
    default: return nil
    }
  }

  var knownHostMask: Int32 {
    switch self {
    case .ed25519: LIBSSH2_KNOWNHOST_KEY_ED25519
    case .ecdsa256: LIBSSH2_KNOWNHOST_KEY_ECDSA_256
    case .ecdsa384: LIBSSH2_KNOWNHOST_KEY_ECDSA_384
    case .ecdsa521: LIBSSH2_KNOWNHOST_KEY_ECDSA_521
    case .rsa: LIBSSH2_KNOWNHOST_KEY_SSHRSA
    }
  }
}

/// The known-hosts files of one connection (`~/.ssh/known_hosts`, then the global ones), read the way OpenSSH
/// reads them: plain and hashed (`|1|`) names, `[host]:port` names off port 22, comma-separated name lists,
/// `@revoked` keys. Lines libssh2 cannot parse (key types it lacks, `@cert-authority`) are skipped, not fatal.
///
/// Ownership: libssh2 allocates a known-hosts collection from its session and frees it through the session
/// (`libssh2_knownhost_free` reads the session's allocator), so a collection must be freed before
/// `libssh2_session_free`. `KnownHosts` is the collections' only owner (`~Copyable`: one value, freed once, in
/// `deinit`) and holds its ``LibSSH2Session`` strongly, so the session cannot be deinitialised while a
/// collection made from it exists, whatever order an unwinding caller releases its locals in.
struct KnownHosts: ~Copyable {
  struct File {
    var path: String
    var collection: OpaquePointer
    /// Base64 key blobs marked `@revoked`.
    var revoked: Set<String>
  }

  let files: [File]
  /// The session the collections were made from; held so that it outlives them.
  private let session: LibSSH2Session
  private var api: LibSSH2 { session.api }

  init(session: LibSSH2Session, paths: [String]) {
    self.session = session
    var files: [File] = []
    for path in paths {
      guard case .success(let bytes)? = ConfigFiles.read(path),
        let collection = session.api.knownhostInit(session.raw)
      else { continue }
      var revoked: Set<String> = []
      Self.forEachEntry(in: bytes, revoked: &revoked) { _, text in
        Self.add(text, to: collection, api: session.api)
      }
      files.append(File(path: path, collection: collection, revoked: revoked))
    }
    self.files = files
  }

  deinit {
    for file in files { api.knownhostFree(file.collection) }
  }

  enum Verdict: Equatable {
    case match(file: String)
    case mismatch(file: String)
    case notFound
  }

  /// Looks `name` (`host` or `[host]:port`) up with a key of `type`. A match anywhere wins; otherwise the first
  /// file with a different key of the same type is reported.
  func check(name: String, type: HostKeyType, key: [UInt8]) -> Verdict {
    var mismatch: String? = nil
    for file in files {
      switch Self.check(file.collection, name: name, type: type, key: key, api: api) {
      case LIBSSH2_KNOWNHOST_CHECK_MATCH: return .match(file: file.path)
      case LIBSSH2_KNOWNHOST_CHECK_MISMATCH: mismatch = mismatch ?? file.path
      default: break
      }
    }
    return mismatch.map { .mismatch(file: $0) } ?? .notFound
  }

  /// The number of the first line of `path` that records a different `type` key for `name`, as OpenSSH's
  /// `Offending key in FILE:LINE` names it. Only the refusal path pays for it: the file's lines go one at a time
  /// into a scratch collection until libssh2 first answers "mismatch".
  func mismatchLine(in path: String, name: String, type: HostKeyType, key: [UInt8]) -> Int? {
    guard case .success(let bytes)? = ConfigFiles.read(path),
      let scratch = api.knownhostInit(session.raw)
    else { return nil }
    defer { api.knownhostFree(scratch) }
    var ignored: Set<String> = []
    var found: Int? = nil
    Self.forEachEntry(in: bytes, revoked: &ignored) { number, text in
      guard found == nil else { return }
      Self.add(text, to: scratch, api: api)
      let verdict = Self.check(scratch, name: name, type: type, key: key, api: api)
      if verdict == LIBSSH2_KNOWNHOST_CHECK_MISMATCH { found = number }
    }
    return found
  }

  /// The file that marks `key` as `@revoked`, if any.
  func revocation(of key: [UInt8]) -> String? {
    let text = Base64.encode(key)
    return files.first { $0.revoked.contains(text) }?.path
  }

  /// The key types these files record for `name`, found by asking with a key that matches nothing: a mismatch
  /// means an entry of that type exists. The handshake offers these types first, as OpenSSH does, so a host with
  /// several keys presents the one the user recorded.
  func recordedTypes(for name: String) -> [HostKeyType] {
    HostKeyType.allCases.filter {
      if case .notFound = check(name: name, type: $0, key: [0]) { return false }
      return true
    }
  }

  /// Calls `body` with the 1-based number and text of each line that is neither blank, a comment nor a marker
  /// line; collects the `@revoked` keys.
  private static func forEachEntry(
    in bytes: [UInt8], revoked: inout Set<String>, _ body: (Int, ArraySlice<UInt8>) -> Void
  ) {
    let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    for (index, line) in lines.enumerated() {
      let fields = line.split(whereSeparator: {
        $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t")
      })
      guard let first = fields.first, first.first != UInt8(ascii: "#") else { continue }
      if first.first == UInt8(ascii: "@") {
        if first.elementsEqual("@revoked".utf8), fields.count >= 4 {
          revoked.insert(String(decoding: fields[3], as: UTF8.self))
        }
        continue
      }
      body(index + 1, line)
    }
  }

  /// Hands one line to libssh2; a line it cannot parse is skipped.
  private static func add(_ line: ArraySlice<UInt8>, to collection: OpaquePointer, api: LibSSH2) {
    var text = Array(line)
    text.append(UInt8(ascii: "\n"))
    _ = text.withUnsafeBufferPointer { buffer in
      buffer.withMemoryRebound(to: CChar.self) {
        api.knownhostReadline(collection, $0.baseAddress, $0.count, LIBSSH2_KNOWNHOST_FILE_OPENSSH)
      }
    }
  }

  /// libssh2's verdict (`LIBSSH2_KNOWNHOST_CHECK_*`) for `name` with a `type` key in one collection.
  private static func check(
    _ collection: OpaquePointer, name: String, type: HostKeyType, key: [UInt8], api: LibSSH2
  ) -> Int32 {
    let typeMask = LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | type.knownHostMask
    return key.withUnsafeBufferPointer { buffer in
      buffer.withMemoryRebound(to: CChar.self) {
        api.knownhostCheckp(collection, name, -1, $0.baseAddress, $0.count, typeMask, nil)
      }
    }
  }
}

/// Appends `name type base64` to `path` (for `StrictHostKeyChecking accept-new`). Best effort: a failure to record
/// does not fail the job.
func appendKnownHost(path: String, name: String, type: HostKeyType, key: [UInt8]) {
  let line = "\(name) \(type.methodName) \(Base64.encode(key))\n"
  guard
    let fd = try? FileDescriptor.open(
      path, .writeOnly, options: [.append, .create], permissions: .ownerReadWrite)
  else { return }
  defer { fd.closeIgnoringErrors() }
  _ = try? fd.writeAll(line.utf8, deadline: .never)
}
