/// A message the encoders write as packets (``Request``, ``Response``): checked first, then written whole
/// or not at all.
protocol PacketMessage {
  /// Throws if a field does not belong to the message's protocol version.
  func validate() throws(DistProtocolError)
  /// Appends the packets; may leave a partial message behind when it throws.
  func appendPackets(to output: inout [UInt8]) throws(DistProtocolError)
}

extension PacketMessage {
  /// The message as wire bytes.
  func encodedPackets() throws(DistProtocolError) -> [UInt8] {
    var output: [UInt8] = []
    try appendValidatedPackets(to: &output)
    return output
  }

  /// Validates, then appends the packets to `output`; on error `output` is left as it was.
  func appendValidatedPackets(to output: inout [UInt8]) throws(DistProtocolError) {
    try validate()
    let start = output.count
    do {
      try appendPackets(to: &output)
    } catch {
      output.removeSubrange(start...)
      throw error
    }
  }
}
