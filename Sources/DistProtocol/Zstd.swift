internal import CZstd

/// zstd bodies, the `,zstd` extension beyond 3.4 (`Docs/protocol.md`, "zstd bodies"): each body one zstd frame that records
/// its content size and a checksum of it. Backed by the system libzstd.
///
/// Decompression has LZO's bounds and one more: a frame's declared content size over the cap is refused
/// before anything is allocated, and a frame without one is streamed into a buffer that grows (each step
/// reserved from the budget first) up to the cap. The decoder's window is capped at 8 MiB
/// (``maxWindowLog``), so a frame cannot make libzstd itself allocate more.
package enum Zstd: BodyCodec {
  /// The level our client and daemon compress with: 1, zstd's fastest standard level. Measured against LZO1X-1
  /// on preprocessed C and C++ (`Docs/protocol.md`, "zstd bodies"): a clearly better ratio at a similar cost.
  package static let defaultLevel: Int32 = 1
  /// The largest window a frame may ask for (2^23 = 8 MiB); our level-1 frames use at most 2^19.
  static let maxWindowLog: Int32 = 23

  /// Whether libzstd is installed (it is loaded on first use, ``LibZstd``): our client asks for zstd and our
  /// daemon announces it only then.
  package static var isAvailable: Bool { LibZstd.shared != nil }

  /// Compresses `input` into one frame at ``defaultLevel`` (content size and checksum recorded); empty input
  /// gives an empty body, as with LZO.
  package static func compress(_ input: UnsafeRawBufferPointer) -> [UInt8] {
    guard let source = input.baseAddress, input.count > 0 else { return [] }
    // Only asked for when available (``isAvailable``: the extension is neither wanted nor announced else).
    guard let zstd = LibZstd.shared else { preconditionFailure("zstd body without libzstd") }
    guard let context = zstd.createCCtx() else { fatalError("ZSTD_createCCtx: out of memory") }
    defer { _ = zstd.freeCCtx(context) }
    _ = zstd.cctxSetParameter(context, ZSTD_c_compressionLevel, defaultLevel)
    // A 4-byte checksum of the content: a damaged body is refused instead of compiled.
    _ = zstd.cctxSetParameter(context, ZSTD_c_checksumFlag, 1)
    let capacity = zstd.compressBound(input.count)
    return [UInt8](unsafeUninitializedCapacity: capacity) { output, count in
      let written = zstd.compress2(context, output.baseAddress, capacity, source, input.count)
      // Cannot fail with a compressBound-sized output and a valid level.
      precondition(zstd.isError(written) == 0, "ZSTD_compress2 failed: \(errorName(written))")
      count = written
    }
  }

  /// Decompresses one zstd frame into at most `limit` bytes, each buffer reserved from `budget` first.
  /// - Throws: ``DistProtocolError/corruptBody(_:token:reason:)`` for anything but exactly one valid frame,
  ///   ``DistProtocolError/decodedBodyTooLarge(_:token:limit:)`` when the content is (or says it is) longer than
  ///   `limit`, ``DistProtocolError/memoryBudgetExhausted(token:bytes:)`` if `budget` refuses.
  package static func decompress(
    _ input: UnsafeRawBufferPointer, limit: Int, token: Token?, budget: (any ByteBudget)?
  ) throws(DistProtocolError) -> [UInt8] {
    guard let source = input.baseAddress, input.count > 0 else { return [] }
    guard let zstd = LibZstd.shared else {
      throw .corruptBody(
        .zstd, token: token, reason: "libzstd (\(LibZstd.soname)) is not installed")
    }
    let limit = max(limit, 0)
    let frameLength = zstd.findFrameCompressedSize(source, input.count)
    if zstd.isError(frameLength) != 0 {
      throw .corruptBody(.zstd, token: token, reason: errorName(frameLength))
    }
    guard frameLength == input.count else {
      throw .corruptBody(
        .zstd, token: token, reason: "\(input.count - frameLength) bytes after the frame")
    }
    let declared = zstd.getFrameContentSize(source, input.count)
    let unknown = UInt64.max  // ZSTD_CONTENTSIZE_UNKNOWN
    if declared == unknown - 1 {
      throw .corruptBody(.zstd, token: token, reason: "bad frame header")
    }
    let known = declared != unknown
    if known && declared > UInt64(limit) {
      throw .decodedBodyTooLarge(.zstd, token: token, limit: limit)
    }
    if known && declared == 0 { return try finishEmpty(source, input.count, token: token) }

    var capacity =
      known ? Int(declared) : BodyGrowth.initialCapacity(forInput: input.count, limit: limit)
    if let budget, !budget.reserve(capacity) {
      throw .memoryBudgetExhausted(token: token, bytes: capacity)
    }
    guard let context = zstd.createDCtx() else {
      throw .corruptBody(.zstd, token: token, reason: "out of memory")
    }
    defer { _ = zstd.freeDCtx(context) }
    _ = zstd.dctxSetParameter(context, ZSTD_d_windowLogMax, maxWindowLog)
    var output = [UInt8](repeating: 0, count: capacity)
    var produced = 0
    var inBuffer = ZSTD_inBuffer(src: source, size: input.count, pos: 0)
    while true {
      let (before, consumed) = (produced, inBuffer.pos)
      let remaining = output.withUnsafeMutableBytes { bytes in
        var outBuffer = ZSTD_outBuffer(dst: bytes.baseAddress, size: capacity, pos: produced)
        defer { produced = outBuffer.pos }
        return zstd.decompressStream(context, &outBuffer, &inBuffer)
      }
      if zstd.isError(remaining) != 0 {
        throw .corruptBody(.zstd, token: token, reason: errorName(remaining))
      }
      if remaining == 0 {
        output.removeSubrange(produced...)
        return output
      }
      if produced != before || inBuffer.pos != consumed { continue }
      // No progress: either the input is used up (the frame is cut short) or the output is full.
      guard produced == capacity else {
        throw .corruptBody(.zstd, token: token, reason: "truncated frame")
      }
      // Full: a frame that declared its size has lied (libzstd checks that too); otherwise grow.
      guard !known, capacity < limit else {
        throw .decodedBodyTooLarge(.zstd, token: token, limit: limit)
      }
      let step = BodyGrowth.grown(capacity, limit: limit) - capacity
      if let budget, !budget.reserve(step) {
        throw .memoryBudgetExhausted(token: token, bytes: step)
      }
      output.append(contentsOf: repeatElement(0, count: step))
      capacity += step
    }
  }

  /// A frame that declares no content must hold none.
  private static func finishEmpty(_ source: UnsafeRawPointer, _ count: Int, token: Token?)
    throws(DistProtocolError) -> [UInt8]
  {
    guard let zstd = LibZstd.shared else { return [] }
    var byte: UInt8 = 0
    let result = zstd.decompress(&byte, 1, source, count)
    if zstd.isError(result) != 0 {
      throw .corruptBody(.zstd, token: token, reason: errorName(result))
    }
    guard result == 0 else {
      throw .corruptBody(.zstd, token: token, reason: "content larger than declared")
    }
    return []
  }

  static func errorName(_ code: Int) -> String {
    LibZstd.shared?.getErrorName(code).map { String(cString: $0) } ?? "error \(code)"
  }
}
