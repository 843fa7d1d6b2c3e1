internal import CLZO

/// LZO1X bodies as distcc 3.4 sends them: one raw LZO1X stream per body, no header, no checksum, no
/// uncompressed length (`protocol.md` §6). Backed by the system liblzo2.
package enum LZO: BodyCodec {
  /// `lzo_init()` (a C macro) exactly once, thread-safely (Swift initialises static lets with `swift_once`).
  private static let isInitialized: Bool = {
    __lzo_init_v2(
      UInt32(LZO_VERSION), Int32(MemoryLayout<CShort>.size), Int32(MemoryLayout<CInt>.size),
      Int32(MemoryLayout<CLong>.size), Int32(MemoryLayout<UInt32>.size),
      Int32(MemoryLayout<lzo_uint>.size), Int32(MemoryLayout<UnsafeRawPointer>.size),
      Int32(MemoryLayout<UnsafeRawPointer>.size), Int32(MemoryLayout<UnsafeRawPointer>.size),
      Int32(MemoryLayout<lzo_callback_t>.size))
      == LZO_E_OK
  }()

  /// Work memory of `lzo1x_1_compress` (`LZO1X_1_MEM_COMPRESS`, a C macro): 16384 dictionary pointers.
  private static let compressWorkMemorySize = 16_384 * MemoryLayout<UnsafeRawPointer>.size

  /// Compresses `input` with LZO1X-1 (`lzo1x_1_compress`), as distcc 3.4 does.
  ///
  /// Empty input gives an empty result: distcc sends an empty body as length 0 with no LZO bytes
  /// (`protocol.md` §6.2), never the 3-byte stream of empty input.
  package static func compress(_ input: UnsafeRawBufferPointer) -> [UInt8] {
    guard let source = input.baseAddress, input.count > 0 else { return [] }
    precondition(isInitialized, "lzo_init failed: liblzo2 does not match its headers")
    // liblzo2's documented worst case for incompressible input.
    let capacity = input.count + input.count / 16 + 64 + 3
    let workMemory = UnsafeMutableRawPointer.allocate(
      byteCount: compressWorkMemorySize, alignment: MemoryLayout<UInt64>.alignment)
    defer { workMemory.deallocate() }
    return [UInt8](unsafeUninitializedCapacity: capacity) { output, count in
      var outputLength = lzo_uint(capacity)
      let result = lzo1x_1_compress(
        UnsafeMutablePointer(mutating: source.assumingMemoryBound(to: UInt8.self)),
        lzo_uint(input.count), output.baseAddress, &outputLength, workMemory)
      // lzo1x_1_compress cannot fail given the worst-case output size; it returns LZO_E_OK.
      precondition(result == LZO_E_OK, "lzo1x_1_compress failed: \(result)")
      count = Int(outputLength)
    }
  }

  /// Decompresses one LZO1X stream (`lzo1x_decompress_safe`) into at most `limit` bytes.
  ///
  /// The output buffer starts at 8× the input (as 3.4 does, at most 64 MiB) and grows on
  /// `LZO_E_OUTPUT_OVERRUN` (``BodyGrowth``: doubling, by at most 64 MiB a step), never beyond `limit`.
  /// Each growth is first reserved from `budget`, if any; the reservation stays taken (the result holds it).
  /// Empty input gives empty output (a zero-length body).
  /// - Throws: ``DistProtocolError/corruptBody(_:token:reason:)`` for an invalid stream,
  ///   ``DistProtocolError/decodedBodyTooLarge(_:token:limit:)`` if the content is longer than `limit`,
  ///   ``DistProtocolError/memoryBudgetExhausted(token:bytes:)`` if `budget` refuses a growth.
  package static func decompress(
    _ input: UnsafeRawBufferPointer, limit: Int, token: Token?, budget: (any ByteBudget)?
  ) throws(DistProtocolError) -> [UInt8] {
    guard let source = input.baseAddress, input.count > 0 else { return [] }
    precondition(isInitialized, "lzo_init failed: liblzo2 does not match its headers")
    let limit = max(limit, 0)
    var capacity = BodyGrowth.initialCapacity(forInput: input.count, limit: limit)
    var reserved = 0
    while true {
      // The previous attempt's buffer is already freed: the reservation covers the largest one.
      if let budget, capacity > reserved {
        guard budget.reserve(capacity - reserved) else {
          throw .memoryBudgetExhausted(token: token, bytes: capacity - reserved)
        }
        reserved = capacity
      }
      var code = LZO_E_OK
      let output = [UInt8](unsafeUninitializedCapacity: max(capacity, 1)) { output, count in
        var outputLength = lzo_uint(capacity)
        code = lzo1x_decompress_safe(
          UnsafeMutablePointer(mutating: source.assumingMemoryBound(to: UInt8.self)),
          lzo_uint(input.count), output.baseAddress, &outputLength, nil)
        count = code == LZO_E_OK ? Int(outputLength) : 0
      }
      switch code {
      case LZO_E_OK:
        return output
      case LZO_E_OUTPUT_OVERRUN:
        guard capacity < limit else { throw .decodedBodyTooLarge(.lzo, token: token, limit: limit) }
        capacity = BodyGrowth.grown(capacity, limit: limit)
      default:
        throw .corruptBody(.lzo, token: token, reason: "\(code)")
      }
    }
  }
}
