import DistPosix
import SystemPackage

/// The files known to have no pragma that gcc 12's directives-only output drops (``DirectivesOnlyOutput``),
/// remembered across jobs in `$DISTCC_DIR/pragma-free`, so that a warm build checks a header with one `stat`
/// instead of reading and searching it (Qt's `renderthread.cpp` names 348 files, 5 MB, in its line markers).
///
/// A file is remembered by its identity and its last change: device, inode, size, modification time and
/// status-change time in nanoseconds (the status-change time moves on every write and no one can set it
/// back), folded into a 64-bit fingerprint. An edited header has a new fingerprint, so it is read again; a
/// file with a vanishing pragma is never remembered, so a job that includes one reads it every time (and
/// falls back to full preprocessing, as without this cache).
///
/// File format (native byte order, this machine's cache only): the 8 bytes of ``magic``, then the
/// fingerprints, 8 bytes each, in ascending order; at most ``capacity`` of them. A file that is not ours
/// (another owner, writable by others, not a regular file), of another format or of a size that is not a
/// whole number of fingerprints is ignored and, at the next write, replaced. A corrupted fingerprint can only
/// miss (or match an unrelated file's with a chance of 2⁻⁶⁴). Writers replace the whole file atomically
/// (a temporary file, then `rename`), after merging what concurrent clients wrote since they read it; when
/// two write at once, one's additions are lost and found again by a later job.
struct PragmaFreeFiles {
  /// `pragma-free` in `$DISTCC_DIR`, or nil: remember nothing.
  let path: String?
  /// The fingerprints read from the file, ascending.
  private var known: [UInt64] = []
  /// How many files this job found known clean (a `stat` each) and how many it read and searched.
  private(set) var hits = 0
  private(set) var reads = 0
  /// Fingerprints of the files this job found clean (read and searched), not in `known`.
  private var found: [UInt64] = []
  /// Fingerprints of every file this job found clean or known: what the file is restarted with when full.
  private var clean: [UInt64] = []

  /// Identifies the format and the pragmas searched for: a change to either must change it.
  static let magic: [UInt8] = Array("PRGFREE1".utf8)
  /// The most fingerprints the file holds (512 KiB).
  static let capacity = 1 << 16
  /// How long after its last change a file's fingerprint is remembered: a write within the same tick of the
  /// file system's clock keeps its times, so a file checked right after a change could change again
  /// unseen (as git's "racily clean" index entries). Files whose times have no fraction of a second
  /// (second- or two-second-granular file systems) wait ``wholeSecondsSettle``. "Settled" compares the
  /// client's clock with the file's times, which a network file system may stamp with its server's clock: a
  /// file server whose clock lags by more than 1 s can make a file written just now look settled.
  static let settle: Int64 = 1_000_000_000
  static let wholeSecondsSettle: Int64 = 3_000_000_000

  /// The cache in `distccDirectory` (nil: none), read now.
  init(distccDirectory: String?) {
    path = distccDirectory.map { $0 + "/pragma-free" }
    if let path { known = Self.load(path) }
  }

  /// Whether the file whose status is `status` is known to have no vanishing pragma.
  mutating func contains(_ status: FileStatus) -> Bool {
    let fingerprint = Self.fingerprint(status)
    guard Self.search(known, for: fingerprint) else { return false }
    hits += 1
    clean.append(fingerprint)
    return true
  }

  /// Counts a file read and searched.
  mutating func noteRead() { reads += 1 }

  /// Notes that the file whose status (taken before it was read) is `status` has no vanishing pragma; it is
  /// remembered if its last change is settled (``settle``).
  mutating func add(_ status: FileStatus, now: Int64 = WallClock.nanoseconds) {
    let changed = max(status.modificationNanoseconds, status.changeNanoseconds)
    let whole =
      status.modificationNanoseconds % 1_000_000_000 == 0
      && status.changeNanoseconds % 1_000_000_000 == 0
    guard path != nil, now - changed >= (whole ? Self.wholeSecondsSettle : Self.settle) else {
      return
    }
    let fingerprint = Self.fingerprint(status)
    found.append(fingerprint)
    clean.append(fingerprint)
  }

  /// Writes what this job found, merged with the file as it is now (another client may have written it).
  func save() {
    guard let path, !found.isEmpty else { return }
    var merged = Self.union(Self.load(path).sorted(), found.sorted())
    if merged.count > Self.capacity {
      // Full: start over with what this job saw clean.
      merged = Self.union([], clean.sorted())
      if merged.count > Self.capacity { merged.removeLast(merged.count - Self.capacity) }
    }
    var bytes = Self.magic
    bytes.reserveCapacity(Self.magic.count + merged.count * 8)
    merged.withUnsafeBytes { bytes.append(contentsOf: $0) }
    try? FileContents.writeAtomically(bytes, to: path, mode: 0o644)
  }

  /// The fingerprints in the file at `path`, or none when it is missing, foreign or malformed.
  static func load(_ path: String) -> [UInt64] {
    guard
      let fd = try? FileDescriptor.open(
        path, .readOnly, options: [.noFollow, .closeOnExec, .nonBlocking])  // a FIFO: no wait
    else { return [] }
    defer { fd.closeIgnoringErrors() }
    let limit = magic.count + capacity * 8
    guard let status = try? FileStatus(fd), status.kind == .regular,
      status.ownerID == Credentials.effectiveUserID,
      status.permissions.rawValue & 0o022 == 0,
      status.size >= magic.count, status.size <= limit, (status.size - magic.count) % 8 == 0,
      let bytes = try? FileContents.read(fd, upTo: limit + 1), bytes.count == status.size,
      bytes.starts(with: magic)
    else { return [] }
    let count = (bytes.count - magic.count) / 8
    return [UInt64](unsafeUninitializedCapacity: count) { buffer, initialized in
      bytes.withUnsafeBytes { raw in
        for index in 0..<count {
          buffer[index] = raw.loadUnaligned(
            fromByteOffset: magic.count + index * 8, as: UInt64.self)
        }
      }
      initialized = count
    }
  }

  /// The 64-bit fingerprint of a file's identity and last change (a splitmix64 round per field).
  static func fingerprint(_ status: FileStatus) -> UInt64 {
    var hash: UInt64 = 0x7072_6167_6d61_2031  // "pragma 1"
    for field in [
      status.device, status.inode, UInt64(status.size),
      UInt64(bitPattern: status.modificationNanoseconds),
      UInt64(bitPattern: status.changeNanoseconds),
    ] {
      var mixed = (hash ^ field) &+ 0x9e37_79b9_7f4a_7c15
      mixed = (mixed ^ (mixed >> 30)) &* 0xbf58_476d_1ce4_e5b9
      mixed = (mixed ^ (mixed >> 27)) &* 0x94d0_49bb_1331_11eb
      hash = mixed ^ (mixed >> 31)
    }
    return hash
  }

  /// Whether ascending `values` holds `value` (binary search: a file out of order only misses).
  private static func search(_ values: [UInt64], for value: UInt64) -> Bool {
    var low = 0
    var high = values.count
    while low < high {
      let middle = (low + high) / 2
      if values[middle] == value { return true }
      if values[middle] < value { low = middle + 1 } else { high = middle }
    }
    return false
  }

  /// The ascending union, without repeats, of two ascending arrays.
  static func union(_ left: [UInt64], _ right: [UInt64]) -> [UInt64] {
    var result: [UInt64] = []
    result.reserveCapacity(left.count + right.count)
    var (i, j) = (0, 0)
    while i < left.count || j < right.count {
      let next: UInt64
      if j == right.count || (i < left.count && left[i] <= right[j]) {
        next = left[i]
        i += 1
      } else {
        next = right[j]
        j += 1
      }
      if result.last != next { result.append(next) }
    }
    return result
  }
}
