/// The client's question to the pump-mode include server, over its AF_UNIX socket (`protocol.md` §9.2):
/// `CDIR`, `ARGC`, then `ARGV` packets, all uncompressed.
public struct IncludeServerQuery: Sendable, Equatable {
  /// The client's working directory.
  public var workingDirectory: [UInt8]
  /// The client's scanned command line.
  public var arguments: [[UInt8]]

  /// A query for the compile of `arguments` (compiler first) run in `workingDirectory`.
  public init(workingDirectory: [UInt8], arguments: [[UInt8]]) {
    self.workingDirectory = workingDirectory
    self.arguments = arguments
  }

  /// The query as wire bytes.
  /// - Throws: ``DistProtocolError/bodyTooLong(token:length:)``.
  public func encoded() throws(DistProtocolError) -> [UInt8] {
    var output: [UInt8] = []
    try PacketWriter.appendStringChecked(.cdir, workingDirectory, to: &output)
    try PacketWriter.appendArguments(arguments, to: &output)
    return output
  }
}

/// The include server's answer: `ARGC` then one `ARGV` per mirrored path (`protocol.md` §9.2, §9.3).
/// No paths means the include server gave up on this translation unit.
public struct IncludeServerReply: Sendable, Equatable {
  /// Absolute paths inside the include server's mirror directory.
  public var paths: [[UInt8]]

  /// A reply listing the mirrored `paths` (the include server's compressed copies and link placeholders).
  public init(paths: [[UInt8]]) { self.paths = paths }

  /// The reply as wire bytes.
  /// - Throws: ``DistProtocolError/bodyTooLong(token:length:)``.
  public func encoded() throws(DistProtocolError) -> [UInt8] {
    var output: [UInt8] = []
    try PacketWriter.appendArguments(paths, to: &output)
    return output
  }
}

/// Incremental decoder of ``IncludeServerQuery`` (for an include server, or a test standing in for one).
public struct IncludeServerQueryDecoder: MessageDecoder {
  private var reader = PacketReader()
  private var workingDirectory: [UInt8]?
  private var arguments = ArgumentListState()
  /// The limits enforced on every header (`maxNameLength` for `CDIR`, the argument limits for `ARGV`).
  public let limits: DecodingLimits

  /// A decoder enforcing `limits` on every header.
  public init(limits: DecodingLimits = .clientDefault) { self.limits = limits }

  /// Adds received bytes.
  public mutating func append(_ bytes: UnsafeRawBufferPointer) { reader.append(bytes) }

  /// Whether the decoder is between messages with nothing buffered.
  public var isAtMessageBoundary: Bool { workingDirectory == nil && reader.available == 0 }

  /// The next complete message, or `nil` if more bytes are needed.
  public mutating func next() throws(DistProtocolError) -> IncludeServerQuery? {
    if workingDirectory == nil {
      reader.beginMessage(limit: limits.maxMessageLength)
      guard let directory = try reader.takeString(.cdir, limit: limits.maxNameLength) else {
        return nil
      }
      workingDirectory = directory
    }
    guard let list = try arguments.next(from: &reader, limits: limits) else { return nil }
    defer { workingDirectory = nil }
    return IncludeServerQuery(workingDirectory: workingDirectory ?? [], arguments: list)
  }

  /// Call at end of input: throws if a message was cut off.
  public func finish() throws(DistProtocolError) {
    guard !isAtMessageBoundary else { return }
    throw .truncated(
      expecting: workingDirectory == nil ? .cdir : arguments.expectedToken,
      offset: reader.streamLength)
  }
}

/// Incremental decoder of ``IncludeServerReply`` (for the client).
public struct IncludeServerReplyDecoder: MessageDecoder {
  private var reader = PacketReader()
  private var arguments = ArgumentListState()
  /// The limits enforced on every header (`maxFiles` paths of at most `maxNameLength` bytes).
  public let limits: DecodingLimits

  /// A decoder enforcing `limits` on every header.
  public init(limits: DecodingLimits = .clientDefault) { self.limits = limits }

  /// Adds received bytes.
  public mutating func append(_ bytes: UnsafeRawBufferPointer) { reader.append(bytes) }

  /// Whether the decoder is between messages with nothing buffered.
  public var isAtMessageBoundary: Bool { arguments.isIdle && reader.available == 0 }

  /// The next complete message, or `nil` if more bytes are needed.
  public mutating func next() throws(DistProtocolError) -> IncludeServerReply? {
    let pathLimits = DecodingLimits(
      maxArguments: limits.maxFiles, maxArgumentLength: limits.maxNameLength,
      maxBodyLength: limits.maxBodyLength, maxDecompressedLength: limits.maxDecompressedLength,
      maxFiles: limits.maxFiles, maxNameLength: limits.maxNameLength,
      maxMessageLength: limits.maxMessageLength)
    if arguments.isIdle { reader.beginMessage(limit: limits.maxMessageLength) }
    guard let paths = try arguments.next(from: &reader, limits: pathLimits) else { return nil }
    return IncludeServerReply(paths: paths)
  }

  /// Call at end of input: throws if a message was cut off.
  public func finish() throws(DistProtocolError) {
    guard !isAtMessageBoundary else { return }
    throw .truncated(expecting: arguments.expectedToken, offset: reader.streamLength)
  }
}

/// `ARGC` followed by that many `ARGV` packets, decoded incrementally.
struct ArgumentListState: Sendable {
  private var remaining: Int?
  private var list: [[UInt8]] = []

  var isIdle: Bool { remaining == nil }
  var expectedToken: Token { remaining == nil ? .argc : .argv }

  mutating func next(from reader: inout PacketReader, limits: DecodingLimits)
    throws(DistProtocolError) -> [[UInt8]]?
  {
    if remaining == nil {
      guard let count = try reader.takeCount(.argc, limit: limits.maxArguments) else { return nil }
      remaining = count
      list.reserveCapacity(min(count, 1024))
    }
    while let left = remaining, left > 0 {
      guard let argument = try reader.takeString(.argv, limit: limits.maxArgumentLength) else {
        return nil
      }
      list.append(argument)
      remaining = left - 1
    }
    defer {
      remaining = nil
      list = []
    }
    return list
  }
}

extension PacketWriter {
  /// `ARGC` then one `ARGV` per argument.
  static func appendArguments(_ arguments: [[UInt8]], to output: inout [UInt8])
    throws(DistProtocolError)
  {
    guard arguments.count <= maxBodyLength else {
      throw .bodyTooLong(token: .argc, length: arguments.count)
    }
    appendValue(.argc, UInt32(arguments.count), to: &output)
    for argument in arguments { try appendStringChecked(.argv, argument, to: &output) }
  }
}
