/// One client's state record: the 296-byte `struct dcc_task_state` that 3.4's client writes to
/// `$DISTCC_DIR/state/binstate_<pid>` and its monitors read (`client.md` §12.2).
///
/// The layout is 3.4's on x86_64 Linux, little-endian:
///
/// | Offset | Size | Field |
/// |---|---|---|
/// | 0 | 8 | `struct_size` (always 296) |
/// | 8 | 8 | `magic` (`0x44494800`) |
/// | 16 | 8 | `cpid`, the client's pid |
/// | 24 | 128 | `file`, basename of the input, NUL-terminated |
/// | 152 | 128 | `host`, host name without port or user, NUL-terminated |
/// | 280 | 4 | `slot` |
/// | 284 | 4 | `curr_phase` |
/// | 288 | 8 | `next` (an in-memory pointer; written as 0, ignored when read) |
///
/// `file` and `host` are bytes, since neither need be UTF-8.
public struct StateRecord: Sendable, Hashable {
  /// Size of an encoded record.
  public static let size = 296
  /// The `magic` value, "DIH\0" read as a little-endian number.
  public static let magic: UInt64 = 0x4449_4800
  /// Capacity of the `file` and `host` fields, including their terminating NUL.
  public static let textCapacity = 128

  /// Pid of the client process (`cpid`, an `unsigned long`; 3.4's monitor prints it as a `long`).
  public var pid: Int64
  /// Basename of the input file; at most 127 bytes are stored.
  public var file: [UInt8]
  /// Host name, e.g. `127.0.0.1` or `localhost`; at most 127 bytes are stored.
  public var host: [UInt8]
  /// 0-based slot on that host.
  public var slot: Int32
  /// What the client is doing.
  public var phase: Phase

  /// Creates a record. `file` and `host` are stored as given and cut to 127 bytes, at their first NUL, when encoded.
  public init(pid: Int64, file: [UInt8], host: [UInt8], slot: Int32, phase: Phase) {
    self.pid = pid
    self.file = file
    self.host = host
    self.slot = slot
    self.phase = phase
  }

  /// Creates a record from strings.
  public init(pid: Int64, file: String, host: String, slot: Int32, phase: Phase) {
    self.init(pid: pid, file: Array(file.utf8), host: Array(host.utf8), slot: slot, phase: phase)
  }

  /// `file` decoded as UTF-8 (invalid bytes replaced).
  public var fileName: String { String(decoding: file, as: UTF8.self) }
  /// `host` decoded as UTF-8 (invalid bytes replaced).
  public var hostName: String { String(decoding: host, as: UTF8.self) }

  /// The 296 bytes 3.4's client writes for this record.
  public func encode() -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: Self.size)
    bytes.storeLittleEndian(UInt64(Self.size), at: 0)
    bytes.storeLittleEndian(Self.magic, at: 8)
    bytes.storeLittleEndian(UInt64(bitPattern: pid), at: 16)
    bytes.storeText(file, at: 24)
    bytes.storeText(host, at: 152)
    bytes.storeLittleEndian(UInt32(bitPattern: slot), at: 280)
    bytes.storeLittleEndian(phase.rawValue, at: 284)
    return bytes
  }

  /// Decodes a record the way 3.4's monitor does (`dcc_mon_read_state`): the magic and size fields are
  /// checked, `file` and `host` end at their first NUL (the last byte of each counts as one), and a phase
  /// above 7 reads as `compile`. Bytes beyond the first 296 are ignored.
  ///
  /// - Throws: `DistStateError.truncated`, `.wrongMagic` or `.wrongStructureSize`.
  public init(decoding bytes: some Collection<UInt8>) throws(DistStateError) {
    let bytes = Array(bytes.prefix(Self.size))
    guard bytes.count == Self.size else { throw .truncated(length: bytes.count) }
    let magic = bytes.loadLittleEndian(UInt64.self, at: 8)
    guard magic == Self.magic else { throw .wrongMagic(magic) }
    let size = bytes.loadLittleEndian(UInt64.self, at: 0)
    guard size == UInt64(Self.size) else { throw .wrongStructureSize(size) }
    self.init(
      pid: Int64(bitPattern: bytes.loadLittleEndian(UInt64.self, at: 16)),
      file: bytes.loadText(at: 24),
      host: bytes.loadText(at: 152),
      slot: Int32(bitPattern: bytes.loadLittleEndian(UInt32.self, at: 280)),
      phase: Phase(monitorValue: bytes.loadLittleEndian(UInt32.self, at: 284)))
  }
}

extension [UInt8] {
  fileprivate mutating func storeLittleEndian<T: FixedWidthInteger>(_ value: T, at offset: Int) {
    for index in 0..<MemoryLayout<T>.size {
      self[offset + index] = UInt8(truncatingIfNeeded: value >> (index * 8))
    }
  }

  fileprivate func loadLittleEndian<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
    var value: T = 0
    for index in 0..<MemoryLayout<T>.size {
      value |= T(self[offset + index]) << (index * 8)
    }
    return value
  }

  /// `strlcpy` into a 128-byte field: at most 127 bytes, stopping at a NUL in the source.
  fileprivate mutating func storeText(_ text: [UInt8], at offset: Int) {
    let stored = text.prefix { $0 != 0 }.prefix(StateRecord.textCapacity - 1)
    for (index, byte) in stored.enumerated() { self[offset + index] = byte }
  }

  /// The bytes of a 128-byte field up to its first NUL; the last byte is treated as NUL.
  fileprivate func loadText(at offset: Int) -> [UInt8] {
    Array(self[offset..<offset + StateRecord.textCapacity - 1].prefix { $0 != 0 })
  }
}
