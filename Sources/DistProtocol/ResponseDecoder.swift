/// Incremental decoder of responses (server to client), protocols 1, 2 and 3.
///
/// Works like ``RequestDecoder``. It also enforces the reply rules of distcc 3.4's client
/// (`protocol.md` §4.3): `DONE` must carry the request's version, a failed compile must not carry an
/// object, and `DOTD` follows `DOTO` only in protocol 3 after a successful compile.
public struct ResponseDecoder: Sendable {
  private enum State: Sendable {
    case done, stat, serr, sout, doto, dotd
    /// Handing out a streamed `DOTO` body, `remaining` bytes of it still to come.
    case object(remaining: Int)

    var expectedToken: Token {
      switch self {
      case .done: .done
      case .stat: .stat
      case .serr: .serr
      case .sout: .sout
      case .doto, .object: .doto
      case .dotd: .dotd
      }
    }
  }

  /// The protocol version of the request this answers.
  public let version: ProtocolVersion
  /// The limits enforced on every header.
  public let limits: DecodingLimits
  private var reader = PacketReader()
  private var state = State.done
  private var partial: Response
  /// The `XCAP` of a trailer whose `SCID` has not fully arrived (``takeTrailer()``).
  var pendingTrailer: Extensions?

  /// How the reply's bodies are coded (the request's version and extensions).
  public let coding: BodyCoding
  /// Whether a plain `DOTO` body is handed out as it arrives (``takeObjectBytes(upTo:)``) instead of
  /// collected into ``Response/object``.
  public let streamsObject: Bool
  /// The length of the `DOTO` body being (or last) streamed; `nil` before one is.
  public private(set) var streamedObjectLength: Int?

  /// - Parameters:
  ///   - version: the version of the request sent; `DONE` must match it.
  ///   - extensions: the extensions the request used (``Extensions/zstd``: zstd bodies).
  ///   - limits: bounds on every length the server claims.
  ///   - streamingObject: hand out a plain (protocol 1, uncompressed) non-empty `DOTO` body in pieces as it
  ///     arrives (``takeObjectBytes(upTo:)``): ``next()`` then returns `nil` while body bytes are buffered,
  ///     and the response it completes has an empty ``Response/object``. The body still counts against
  ///     `limits` (its length is checked before any of it is handed out), but is never held whole.
  public init(
    expecting version: ProtocolVersion, extensions: Extensions = [],
    limits: DecodingLimits = .clientDefault, streamingObject: Bool = false
  ) {
    self.version = version
    streamsObject = streamingObject
    self.limits = limits
    coding = BodyCoding(version: version, extensions: extensions)
    reader.budget = limits.budget
    self.partial = Response(version: version, status: .success)
    partial.extensions = extensions
  }

  /// Adds received bytes.
  public mutating func append(_ bytes: UnsafeRawBufferPointer) { reader.append(bytes) }

  /// Bytes appended so far (the stream offset of the end of the input).
  public var bytesReceived: Int { reader.streamLength }

  /// Whether the decoder is between messages with nothing buffered.
  public var isAtMessageBoundary: Bool {
    if case .done = state { return reader.available == 0 }
    return false
  }

  /// The next complete response, or `nil` if more bytes are needed.
  /// - Throws: ``DistProtocolError`` naming the token, value and byte offset at fault.
  public mutating func next() throws(DistProtocolError) -> Response? {
    while true {
      switch state {
      case .done:
        guard let value = try reader.peekValue(.done) else { return nil }
        guard value == version.rawValue else {
          throw .versionMismatch(expected: version, found: value)
        }
        _ = try reader.takeValue(.done)
        partial = Response(version: version, status: .success)
        streamedObjectLength = nil
        reader.beginMessage(limit: limits.maxMessageLength)
        state = .stat
      case .stat:
        guard let value = try reader.takeValue(.stat) else { return nil }
        partial.status = WaitStatus(rawValue: value)
        state = .serr
      case .serr:
        guard let bytes = try reader.takeBulk(.serr, coding: coding, limits: limits) else {
          return nil
        }
        partial.stderr = bytes
        state = .sout
      case .sout:
        guard let bytes = try reader.takeBulk(.sout, coding: coding, limits: limits) else {
          return nil
        }
        partial.stdout = bytes
        state = .doto
      case .doto:
        guard let length = try reader.peekValue(.doto) else { return nil }
        guard partial.status.isSuccess || length == 0 else {
          throw .outputWithFailedStatus(
            status: partial.status, length: length, offset: reader.offset)
        }
        if streamsObject && coding == .plain && length > 0 {
          try reader.beginStreamedBody(
            .doto, length: length,
            limit: min(limits.maxBodyLength, limits.maxDecompressedLength))
          streamedObjectLength = Int(length)
          state = .object(remaining: Int(length))
          continue
        }
        guard
          let bytes = try reader.takeBulkBody(
            .doto, length: length, coding: coding, limits: limits)
        else { return nil }
        partial.object = bytes
        if let response = afterObject() { return response }
      case .object(let remaining):
        guard remaining == 0 else { return nil }
        if let response = afterObject() { return response }
      case .dotd:
        guard let bytes = try reader.takeBulk(.dotd, coding: coding, limits: limits) else {
          return nil
        }
        partial.dependencies = bytes
        return completeMessage()
      }
    }
  }

  /// Consumes and returns up to `count` buffered bytes of a streamed `DOTO` body (``streamsObject``): a slice
  /// of the decoder's buffer, not a copy, to be written and released before the next ``append(_:)``. Empty
  /// when no body is being streamed or none of it is buffered; call ``next()`` after each `append` before
  /// this (it reads the header), and again once this returns empty.
  public mutating func takeObjectBytes(upTo count: Int = .max) -> ArraySlice<UInt8> {
    guard case .object(let remaining) = state, remaining > 0 else { return [] }
    let bytes = reader.takeStreamedBytes(upTo: min(count, remaining))
    state = .object(remaining: remaining - bytes.count)
    return bytes
  }

  /// How many of `count` freshly received bytes, not yet appended, are the streamed `DOTO` body's
  /// (``streamsObject``): the caller writes that many from the front of its own buffer and appends only the
  /// rest, so a body that arrives in reads of its own is never copied into the decoder. Zero unless a body
  /// is being streamed and nothing is buffered (then ``takeObjectBytes(upTo:)`` comes first). The bytes count
  /// as received (``bytesReceived``).
  public mutating func passObjectBytes(_ count: Int) -> Int {
    guard case .object(let remaining) = state, reader.available == 0 else { return 0 }
    let passed = min(count, remaining)
    reader.passUnbuffered(passed)
    state = .object(remaining: remaining - passed)
    return passed
  }

  /// Moves past the object: to the dependencies in protocol 3 after a success, else the reply is complete.
  private mutating func afterObject() -> Response? {
    guard version.serverPreprocesses && partial.status.isSuccess else {
      return completeMessage()
    }
    state = .dotd
    return nil
  }

  /// After a complete reply: the daemon's `XCAP` announcement if it is among the bytes already appended
  /// (``Extensions``), consumed; `nil` otherwise (a 3.4 daemon sends nothing after its reply).
  public mutating func takeAnnouncement() -> Extensions? {
    guard case .done = state, reader.available >= PacketReader.headerLength,
      reader.peekToken() == .xcap, let bits = try? reader.takeValue(.xcap)
    else { return nil }
    return Extensions(rawValue: bits)
  }

  /// Whether a complete reply was decoded and nothing of another begun.
  var isAfterReply: Bool {
    if case .done = state { return true }
    return false
  }

  /// Up to `count` of the bytes appended but not yet consumed.
  func bufferedPrefix(_ count: Int) -> [UInt8] { reader.peekBytes(upTo: count) }

  /// Consumes an `SCID` packet: `nil` until it is complete, `.some(nil)` when the next bytes are none.
  mutating func takeIdentity() -> [UInt8]?? {
    do {
      guard let bytes = try reader.takeString(.scid, limit: ReplyTrailer.maxIdentityLength) else {
        return nil
      }
      return .some(bytes)
    } catch {
      return .some(nil)
    }
  }

  /// Call at end of input: throws ``DistProtocolError/truncated(expecting:offset:)`` if a response was
  /// begun (or bytes are buffered) but not completed.
  public func finish() throws(DistProtocolError) {
    guard !isAtMessageBoundary else { return }
    throw .truncated(expecting: state.expectedToken, offset: reader.streamLength)
  }

  private mutating func completeMessage() -> Response {
    let response = partial
    partial = Response(version: version, status: .success)
    state = .done
    return response
  }
}
