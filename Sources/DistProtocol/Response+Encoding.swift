extension Response: PacketMessage {
  /// The response as wire bytes.
  ///
  /// A protocol 3 success without ``dependencies`` is sent with an empty `DOTD` (a 3.4 client waits for
  /// that packet).
  /// - Throws: ``DistProtocolError/invalidMessage(token:reason:)`` for an object with a failed status or
  ///   dependencies outside a protocol 3 success, ``DistProtocolError/bodyTooLong(token:length:)``.
  public func encoded() throws(DistProtocolError) -> [UInt8] { try encodedPackets() }

  /// Appends the response's wire bytes to `output`; on error `output` is left as it was.
  /// - Throws: as ``encoded()``.
  public func encode(into output: inout [UInt8]) throws(DistProtocolError) {
    try appendValidatedPackets(to: &output)
  }

  private var sendsDependencies: Bool { version.serverPreprocesses && status.isSuccess }

  func validate() throws(DistProtocolError) {
    if isVersionZero && version != .v1 {
      throw .invalidMessage(token: .done, reason: "version 0 stands for protocol 1 only")
    }
    if !status.isSuccess && !object.isEmpty {
      throw .invalidMessage(
        token: .doto,
        reason: "a failed compile (\(status)) carries no object; 3.4 clients reject it")
    }
    if dependencies != nil && !sendsDependencies {
      throw .invalidMessage(
        token: .dotd, reason: "dependencies are sent only in protocol 3 after a successful compile")
    }
  }

  func appendPackets(to output: inout [UInt8]) throws(DistProtocolError) {
    PacketWriter.appendValue(.done, doneValue, to: &output)
    PacketWriter.appendValue(.stat, status.rawValue, to: &output)
    try PacketWriter.appendBulkChecked(.serr, stderr, coding: bodyCoding, to: &output)
    try PacketWriter.appendBulkChecked(.sout, stdout, coding: bodyCoding, to: &output)
    try PacketWriter.appendBulkChecked(.doto, object, coding: bodyCoding, to: &output)
    if sendsDependencies {
      try PacketWriter.appendBulkChecked(.dotd, dependencies ?? [], coding: bodyCoding, to: &output)
    }
  }
}
