/// What ``RequestDecoder`` and ``ResponseDecoder`` have in common, so one read loop serves both.
public protocol MessageDecoder: Sendable {
  /// The decoded message type.
  associatedtype Message: Sendable

  /// Adds received bytes, split anywhere.
  mutating func append(_ bytes: UnsafeRawBufferPointer)
  /// The next complete message, or `nil` if more bytes are needed.
  mutating func next() throws(DistProtocolError) -> Message?
  /// Call at end of input: throws ``DistProtocolError/truncated(expecting:offset:)`` inside a message.
  func finish() throws(DistProtocolError)
  /// Whether the decoder is between messages with nothing buffered.
  var isAtMessageBoundary: Bool { get }
}

extension MessageDecoder {
  /// Adds received bytes, split anywhere.
  public mutating func append(_ bytes: some Sequence<UInt8>) {
    if bytes.withContiguousStorageIfAvailable({ append(UnsafeRawBufferPointer($0)) }) == nil {
      Array(bytes).withUnsafeBytes { append($0) }
    }
  }
}

extension RequestDecoder: MessageDecoder {}
extension ResponseDecoder: MessageDecoder {}
