/// Incremental decoder of requests (client to server), protocols 1, 2 and 3.
///
/// Feed it bytes as they arrive, split anywhere, and call ``next()`` until it returns `nil` (more bytes
/// needed). Every header is checked against ``DecodingLimits`` as soon as its 12 bytes are in, before
/// anything is allocated for its body. After a thrown error the stream is unusable; `next()` throws again.
///
/// ```swift
/// var decoder = RequestDecoder(limits: .daemonDefault)
/// decoder.append(chunk)
/// if let request = try decoder.next() { … }
/// ```
public struct RequestDecoder: Sendable {
  /// Where in the fixed request sequence the decoder is.
  private enum State: Sendable {
    case dist, extensions, identity, cdir, arguments
    case doti, nfil
    case name(remaining: Int)
    case fileOrLink(remaining: Int, name: [UInt8])

    var expectedToken: Token {
      switch self {
      case .dist: .dist
      case .extensions: .xreq
      case .identity: .ccid
      case .cdir: .cdir
      case .arguments: .argc
      case .doti: .doti
      case .nfil: .nfil
      case .name: .name
      case .fileOrLink: .file
      }
    }
  }

  /// The limits enforced on every header.
  public let limits: DecodingLimits
  private var reader = PacketReader()
  private var state = State.dist
  private var partial = Request(version: .v1, arguments: [])
  private var arguments = ArgumentListState()

  /// A decoder enforcing `limits` (the daemon's by default) on every header.
  public init(limits: DecodingLimits = .daemonDefault) {
    self.limits = limits
    reader.budget = limits.budget
  }

  /// Adds received bytes.
  public mutating func append(_ bytes: UnsafeRawBufferPointer) { reader.append(bytes) }

  /// Bytes appended so far (the stream offset of the end of the input).
  public var bytesReceived: Int { reader.streamLength }

  /// Whether the decoder is between messages with nothing buffered.
  public var isAtMessageBoundary: Bool {
    if case .dist = state { return reader.available == 0 }
    return false
  }

  /// The next complete request, or `nil` if more bytes are needed.
  /// - Throws: ``DistProtocolError`` naming the token, value and byte offset at fault.
  public mutating func next() throws(DistProtocolError) -> Request? {
    while true {
      switch state {
      case .dist:
        guard let value = try reader.peekValue(.dist) else { return nil }
        guard let version = ProtocolVersion(distValue: value) else {
          throw .unsupportedVersion(value)
        }
        _ = try reader.takeValue(.dist)
        partial = Request(version: version, isVersionZero: value == 0, arguments: [])
        reader.beginMessage(limit: limits.maxMessageLength)
        state = .extensions
      case .extensions:
        // Optional: only our client sends XREQ, and only to a daemon that announced the extensions.
        guard reader.available >= 4 else { return nil }
        guard reader.peekToken() == .xreq else {
          state = afterHead
          continue
        }
        guard let bits = try reader.takeValue(.xreq) else { return nil }
        partial.extensions = Extensions(rawValue: bits)
        state = partial.extensions.contains(.compilerIdentity) ? .identity : afterHead
      case .identity:
        guard let identity = try reader.takeString(.ccid, limit: limits.maxNameLength) else {
          return nil
        }
        partial.compilerIdentity = identity
        state = afterHead
      case .cdir:
        guard let directory = try reader.takeString(.cdir, limit: limits.maxNameLength) else {
          return nil
        }
        partial.workingDirectory = directory
        state = .arguments
      case .arguments:
        guard let list = try arguments.next(from: &reader, limits: limits) else { return nil }
        partial.arguments = list
        state = partial.version.serverPreprocesses ? .nfil : .doti
      case .doti:
        guard let source = try reader.takeBulk(.doti, coding: partial.bodyCoding, limits: limits)
        else { return nil }
        partial.source = source
        return completeMessage()
      case .nfil:
        guard let count = try reader.takeCount(.nfil, limit: limits.maxFiles) else { return nil }
        guard count > 0 else { return completeMessage() }
        partial.files.reserveCapacity(min(count, 1024))
        state = .name(remaining: count)
      case .name(let remaining):
        guard let name = try reader.takeString(.name, limit: limits.maxNameLength) else {
          return nil
        }
        state = .fileOrLink(remaining: remaining, name: name)
      case .fileOrLink(let remaining, let name):
        guard let (token, length) = try reader.peekFileOrLink() else { return nil }
        let content: IncludedFile.Content
        if token == .file {
          guard
            let bytes = try reader.takeBulkBody(
              .file, length: length, coding: partial.bodyCoding, limits: limits)
          else { return nil }
          content = .file(bytes)
        } else {
          guard let target = try reader.takeBody(.link, length: length, limit: limits.maxNameLength)
          else { return nil }
          content = .link(target)
        }
        partial.files.append(IncludedFile(name: name, content: content))
        guard remaining > 1 else { return completeMessage() }
        state = .name(remaining: remaining - 1)
      }
    }
  }

  /// The state after `DIST` and any extension packets.
  private var afterHead: State { partial.version.serverPreprocesses ? .cdir : .arguments }

  /// Call at end of input: throws ``DistProtocolError/truncated(expecting:offset:)`` if a request was
  /// begun (or bytes are buffered) but not completed.
  public func finish() throws(DistProtocolError) {
    guard !isAtMessageBoundary else { return }
    let expected =
      if case .arguments = state { arguments.expectedToken } else { state.expectedToken }
    throw .truncated(expecting: expected, offset: reader.streamLength)
  }

  private mutating func completeMessage() -> Request {
    let request = partial
    partial = Request(version: .v1, arguments: [])
    state = .dist
    return request
  }
}
