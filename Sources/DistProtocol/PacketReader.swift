/// The buffered input of a decoder: bytes received but not yet consumed, and the parsing of 12-byte
/// headers and their bodies.
///
/// Consumption advances a read index; the consumed prefix is dropped only when it is at least half of the
/// buffer (amortised linear work however small the appended chunks are).
struct PacketReader: Sendable {
  static let headerLength = 12

  private var buffer: [UInt8] = []
  private var readIndex = 0
  /// Bytes dropped from the front of `buffer` so far.
  private var discarded = 0
  /// The most decoded bytes the current message may hold (``DecodingLimits/maxMessageLength``).
  private var messageLimit = Int.max
  /// Decoded bytes the current message holds so far.
  private var messageUsed = 0
  /// Where body buffers are reserved before they are allocated (``DecodingLimits/budget``).
  var budget: (any ByteBudget)?
  /// Stream offset of the header whose raw body is already reserved from ``budget``.
  private var reservedHeader = -1

  /// Stream offset of the next unconsumed byte.
  var offset: Int { discarded + readIndex }
  /// Total bytes appended so far.
  var streamLength: Int { discarded + buffer.count }
  /// Bytes appended but not consumed.
  var available: Int { buffer.count - readIndex }

  mutating func append(_ bytes: UnsafeRawBufferPointer) {
    compactIfWorthwhile()
    buffer.append(contentsOf: bytes)
  }

  private mutating func compactIfWorthwhile() {
    if readIndex == buffer.count {
      discarded += readIndex
      readIndex = 0
      buffer.removeAll(keepingCapacity: buffer.capacity <= 1 << 20)
    } else if readIndex >= 4096 && readIndex * 2 >= buffer.count {
      discarded += readIndex
      buffer.removeSubrange(0..<readIndex)
      readIndex = 0
    }
  }

  /// Starts accounting for a new message of at most `limit` decoded bytes.
  mutating func beginMessage(limit: Int) {
    messageLimit = limit
    messageUsed = 0
  }

  // MARK: Headers

  /// The next header if it is `token`'s, `nil` if fewer than 12 bytes are buffered.
  func peekValue(_ token: Token) throws(DistProtocolError) -> UInt32? {
    guard available >= Self.headerLength else { return nil }
    guard packedToken() == token.packedValue else {
      throw .unexpectedToken(expected: token, found: foundToken(), offset: offset)
    }
    return try parseValue(token)
  }

  /// Up to `count` of the buffered bytes, not consumed.
  func peekBytes(upTo count: Int) -> [UInt8] {
    Array(buffer[readIndex..<readIndex + min(count, available)])
  }

  /// The token of the next header; `nil` if fewer than 4 bytes are buffered or they are no distcc token.
  func peekToken() -> Token? {
    guard available >= 4 else { return nil }
    return Token(bytes: buffer[readIndex..<readIndex + 4])
  }

  /// The next header if it is `FILE` or `LINK`, `nil` if fewer than 12 bytes are buffered.
  func peekFileOrLink() throws(DistProtocolError) -> (Token, UInt32)? {
    guard available >= Self.headerLength else { return nil }
    let token: Token
    switch packedToken() {
    case Token.file.packedValue: token = .file
    case Token.link.packedValue: token = .link
    default: throw .expectedFileOrLink(found: foundToken(), offset: offset)
    }
    return (token, try parseValue(token))
  }

  private func packedToken() -> UInt32 {
    var packed: UInt32 = 0
    for index in readIndex..<readIndex + 4 { packed = packed << 8 | UInt32(buffer[index]) }
    return packed
  }

  private func foundToken() -> String {
    DistProtocolError.printable(buffer[readIndex..<readIndex + 4])
  }

  /// Parses the eight value characters as C `strtoul(…, 16)` does, requiring all eight to be consumed
  /// (distcc 3.4's rule): upper- and lower-case digits, and also leading blanks, a sign or `0x`.
  private func parseValue(_ token: Token) throws(DistProtocolError) -> UInt32 {
    let start = readIndex + 4
    let field = buffer[start..<start + 8]
    if let value = Self.parseHex(field) { return value }
    throw .badValue(token: token, text: DistProtocolError.printable(field), offset: offset + 4)
  }

  static func parseHex(_ field: ArraySlice<UInt8>) -> UInt32? {
    var index = field.startIndex
    let end = field.endIndex
    // strtoul: leading white space, an optional sign, an optional 0x prefix.
    while index < end, field[index] == 0x20 || (0x09...0x0d).contains(field[index]) { index += 1 }
    var negative = false
    if index < end, field[index] == UInt8(ascii: "+") || field[index] == UInt8(ascii: "-") {
      negative = field[index] == UInt8(ascii: "-")
      index += 1
    }
    if end - index >= 3, field[index] == UInt8(ascii: "0"),
      field[index + 1] | 0x20 == UInt8(ascii: "x"), hexDigit(field[index + 2]) != nil
    {
      index += 2
    }
    guard index < end else { return nil }
    var value: UInt32 = 0
    while index < end {
      guard let digit = hexDigit(field[index]) else { return nil }
      value = value << 4 | digit
      index += 1
    }
    return negative ? 0 &- value : value
  }

  private static func hexDigit(_ byte: UInt8) -> UInt32? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
    case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
    case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
    default: nil
    }
  }

  // MARK: Whole packets

  /// Consumes a value packet of `token`; throws if the value exceeds `limit`.
  mutating func takeCount(_ token: Token, limit: Int) throws(DistProtocolError) -> Int? {
    guard let value = try peekValue(token) else { return nil }
    try check(token, value, limit: limit)
    readIndex += Self.headerLength
    return Int(value)
  }

  /// Consumes a value packet of `token`.
  mutating func takeValue(_ token: Token) throws(DistProtocolError) -> UInt32? {
    guard let value = try peekValue(token) else { return nil }
    readIndex += Self.headerLength
    return value
  }

  /// Consumes a string packet of `token` whose body is at most `limit` bytes; `nil` until the whole body
  /// is buffered.
  mutating func takeString(_ token: Token, limit: Int) throws(DistProtocolError) -> [UInt8]? {
    guard let value = try peekValue(token) else { return nil }
    return try takeBody(token, length: value, limit: limit)
  }

  /// Consumes the body of the header at the read index (already validated as `token` with `length`).
  mutating func takeBody(_ token: Token, length: UInt32, limit: Int) throws(DistProtocolError)
    -> [UInt8]?
  {
    try check(token, length, limit: limit)
    guard Int(length) <= messageLimit - messageUsed else {
      throw .messageTooLarge(token: token, limit: messageLimit, offset: offset)
    }
    try reserveRawBody(token, length: length)
    guard let range = bodyRange(length) else { return nil }
    try reserve(token, range.count)  // the decoded copy
    messageUsed += range.count
    return takeBytes(range)
  }

  /// Bodies at least this long that end the buffered bytes (but for a few trailing ones) are moved out of
  /// the buffer instead of copied: a large object or source is held once, not twice.
  static let moveThreshold = 64 * 1024

  /// Consumes the bytes up to `range.upperBound` and returns those in `range`.
  private mutating func takeBytes(_ range: Range<Int>) -> [UInt8] {
    let trailing = buffer.count - range.upperBound
    guard range.count >= Self.moveThreshold, trailing <= 4096 else {
      readIndex = range.upperBound
      return Array(buffer[range])
    }
    // The buffer becomes the body: what follows it is kept aside, what precedes it is dropped (a move
    // within the same storage, no new allocation to fault in).
    let rest = Array(buffer[range.upperBound...])
    buffer.removeSubrange(range.upperBound...)
    buffer.removeSubrange(..<range.lowerBound)
    let body = buffer
    buffer = rest
    discarded += range.upperBound
    readIndex = 0
    return body
  }

  /// Reserves the raw body of the header at the read index from ``budget``, if any (once per header), and,
  /// while it has not all arrived, sizes the buffer for it so that appending a large body never copies what
  /// arrived before (its length is already checked against the limits).
  private mutating func reserveRawBody(_ token: Token, length: UInt32) throws(DistProtocolError) {
    guard reservedHeader != offset else { return }
    if budget != nil { try reserve(token, Int(length)) }
    reservedHeader = offset
    if bodyRange(length) == nil {
      buffer.reserveCapacity(readIndex + Self.headerLength + Int(length))
    }
  }

  private func reserve(_ token: Token, _ count: Int) throws(DistProtocolError) {
    guard let budget, count > 0 else { return }
    guard budget.reserve(count) else { throw .memoryBudgetExhausted(token: token, bytes: count) }
  }

  /// Consumes the header at the read index (already validated as `token` with `length`) of a plain body that
  /// is handed out in pieces as it arrives (``takeStreamedBytes(upTo:)``) instead of collected: its length is
  /// checked against `limit` and the message's limit, but no buffer is reserved for it.
  mutating func beginStreamedBody(_ token: Token, length: UInt32, limit: Int)
    throws(DistProtocolError)
  {
    try check(token, length, limit: limit)
    guard Int(length) <= messageLimit - messageUsed else {
      throw .messageTooLarge(token: token, limit: messageLimit, offset: offset)
    }
    messageUsed += Int(length)
    readIndex += Self.headerLength
  }

  /// Consumes and returns up to `count` of the buffered bytes: a slice of the buffer, not a copy (release it
  /// before appending more, or the append copies the buffer).
  mutating func takeStreamedBytes(upTo count: Int) -> ArraySlice<UInt8> {
    let end = readIndex + min(count, available)
    defer { readIndex = end }
    return buffer[readIndex..<end]
  }

  /// Counts `count` bytes that the caller consumed without appending them (the body of a streamed packet it
  /// handled itself) as received and consumed. Only when nothing is buffered.
  mutating func passUnbuffered(_ count: Int) {
    precondition(available == 0, "bytes passed around the buffer while some are buffered")
    discarded += buffer.count + count
    buffer.removeAll(keepingCapacity: true)
    readIndex = 0
  }

  /// Consumes a bulk packet of `token`: plain in protocol 1, LZO in 2 and 3 (decompressed here).
  mutating func takeBulk(_ token: Token, coding: BodyCoding, limits: DecodingLimits)
    throws(DistProtocolError) -> [UInt8]?
  {
    guard let value = try peekValue(token) else { return nil }
    return try takeBulkBody(token, length: value, coding: coding, limits: limits)
  }

  /// Consumes the bulk body of the header at the read index.
  mutating func takeBulkBody(
    _ token: Token, length: UInt32, coding: BodyCoding, limits: DecodingLimits
  ) throws(DistProtocolError) -> [UInt8]? {
    guard coding != .plain else {
      return try takeBody(
        token, length: length, limit: min(limits.maxBodyLength, limits.maxDecompressedLength))
    }
    try check(token, length, limit: limits.maxBodyLength)
    try reserveRawBody(token, length: length)
    guard let range = bodyRange(length) else { return nil }
    let remaining = messageLimit - messageUsed
    let cap = min(limits.maxDecompressedLength, remaining)
    let budget = self.budget
    let result = buffer.withUnsafeBytes { bytes in
      Result { () throws(DistProtocolError) in
        try coding.decode(
          UnsafeRawBufferPointer(rebasing: bytes[range]), limit: cap, token: token, budget: budget)
      }
    }
    switch result {
    case .success(let content):
      readIndex = range.upperBound
      messageUsed += content.count
      return content
    case .failure(.decodedBodyTooLarge) where cap < limits.maxDecompressedLength:
      throw .messageTooLarge(token: token, limit: messageLimit, offset: offset)
    case .failure(let error):
      throw error
    }
  }

  private func check(_ token: Token, _ value: UInt32, limit: Int) throws(DistProtocolError) {
    guard Int(value) <= limit else {
      throw .limitExceeded(token: token, value: value, limit: limit, offset: offset)
    }
  }

  /// The buffer range of a body of `length` bytes after the header at the read index, or `nil` if it has
  /// not all arrived.
  private func bodyRange(_ length: UInt32) -> Range<Int>? {
    let start = readIndex + Self.headerLength
    let end = start + Int(length)
    return end <= buffer.count ? start..<end : nil
  }
}
