/// What our daemon writes after every complete reply, in the same write (Docs/protocol.md "Extensions"):
/// `XCAP` with the extensions it offers and, when those include ``Extensions/compilerIdentity``, `SCID` with
/// the identity of the compiler it ran (or would have run) for this job, empty when it could not tell. A 3.4
/// client stops reading after the reply and never sees it; ours reads it before it accepts the object, so a
/// host whose compiler differs from the client's is caught on the first job too.
public struct ReplyTrailer: Sendable, Hashable {
  /// The extensions the daemon offers.
  public var extensions: Extensions
  /// The daemon's compiler identity text (`SCID`), present exactly when ``extensions`` has
  /// ``Extensions/compilerIdentity``; empty when the daemon could not identify its compiler.
  public var compilerIdentity: [UInt8]?

  /// The longest `SCID` body a client accepts (an identity is four words of at most 128 bytes).
  public static let maxIdentityLength = 1024

  /// A trailer announcing `extensions`; `compilerIdentity` is sent (empty if nil) when they include
  /// ``Extensions/compilerIdentity`` and ignored otherwise.
  public init(extensions: Extensions, compilerIdentity: [UInt8]? = nil) {
    self.extensions = extensions
    self.compilerIdentity =
      extensions.contains(.compilerIdentity) ? (compilerIdentity ?? []) : nil
  }

  /// The packets: `XCAP`, then `SCID` with the compiler-identity bit.
  public var encoded: [UInt8] {
    var bytes = extensions.announcementPacket
    if let compilerIdentity {
      PacketWriter.appendString(.scid, compilerIdentity.prefix(Self.maxIdentityLength), to: &bytes)
    }
    return bytes
  }
}

extension ResponseDecoder {
  /// What follows a complete reply, read so far.
  public enum TrailerProgress: Sendable, Hashable {
    /// The whole trailer has arrived (and was consumed).
    case complete(ReplyTrailer)
    /// Nothing, or the start of a trailer: more bytes may complete it (a 3.4 daemon closes instead).
    case incomplete
    /// Bytes that are no trailer (a broken peer): there is none to wait for.
    case absent
  }

  /// The trailer's `XCAP` when its `SCID` has not (or not yet) arrived: what a daemon of ours that sends no
  /// identity (an older build) announced, for a client that reached the end of the stream.
  public var announcementSoFar: ReplyTrailer? {
    pendingTrailer.map { ReplyTrailer(extensions: $0) }
  }

  /// After a complete reply: the daemon's ``ReplyTrailer`` if the bytes appended so far hold all of it.
  public mutating func takeTrailer() -> TrailerProgress {
    guard isAfterReply else { return .absent }
    if pendingTrailer == nil {
      let xcap = Token.xcap.bytes
      let waiting = bufferedPrefix(PacketReader.headerLength)
      guard waiting.prefix(xcap.count).elementsEqual(xcap.prefix(waiting.count)) else {
        return .absent
      }
      guard let bits = takeAnnouncement()?.rawValue else {
        return waiting.count < PacketReader.headerLength ? .incomplete : .absent
      }
      pendingTrailer = Extensions(rawValue: bits)
    }
    guard let extensions = pendingTrailer else { return .absent }
    guard extensions.contains(.compilerIdentity) else {
      pendingTrailer = nil
      return .complete(ReplyTrailer(extensions: extensions))
    }
    switch takeIdentity() {
    case .none: return .incomplete
    case .some(nil):
      pendingTrailer = nil
      return .absent
    case .some(let identity?):
      pendingTrailer = nil
      return .complete(ReplyTrailer(extensions: extensions, compilerIdentity: identity))
    }
  }
}
