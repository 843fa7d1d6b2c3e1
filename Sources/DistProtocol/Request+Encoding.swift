extension Request: PacketMessage {
  /// The request as wire bytes.
  /// - Throws: ``DistProtocolError/invalidMessage(token:reason:)`` if a field does not belong to the
  ///   version (or the command line is empty), ``DistProtocolError/bodyTooLong(token:length:)``.
  public func encoded() throws(DistProtocolError) -> [UInt8] { try encodedPackets() }

  /// Appends the request's wire bytes to `output`; on error `output` is left as it was.
  /// - Throws: as ``encoded()``.
  public func encode(into output: inout [UInt8]) throws(DistProtocolError) {
    try appendValidatedPackets(to: &output)
  }

  /// The packets a client sends before its preprocessor has finished: `DIST`, `CDIR` (protocol 3),
  /// `ARGC` and the `ARGV`s. The rest follows with ``encodedSourcePacket(_:version:)`` (protocols 1 and 2)
  /// or the `NFIL` entries (protocol 3); ``source`` and ``files`` are not looked at.
  /// - Throws: as ``encoded()``.
  public func encodedHead() throws(DistProtocolError) -> [UInt8] {
    var head = self
    head.source = []
    head.files = []
    try head.validate()
    var output: [UInt8] = []
    output.reserveCapacity(
      36 + (workingDirectory?.count ?? 0) + arguments.reduce(0) { $0 + $1.count + 12 })
    try appendHead(to: &output)
    return output
  }

  /// The `DOTI` packet for `source` (protocols 1 and 2) as its 12-byte header and its body (the bytes as
  /// they are in protocol 1, one LZO stream in protocol 2), so that a sender can write a large body
  /// without copying it into a packet buffer.
  /// - Throws: ``DistProtocolError/bodyTooLong(token:length:)``.
  public static func encodedSourcePacket(
    _ source: [UInt8], version: ProtocolVersion, extensions: Extensions = []
  ) throws(DistProtocolError) -> (header: [UInt8], body: [UInt8]) {
    let body = BodyCoding(version: version, extensions: extensions).encode(source)
    return (try sourcePacketHeader(bodyLength: body.count), body)
  }

  /// The 12-byte header of a `DOTI` packet whose (coded) body is `bodyLength` bytes long. A sender with
  /// the source in a file writes this, then the body: the file itself when the request's ``BodyCoding`` is
  /// `.plain` (with `sendfile`, say), else `BodyCoding.encode(_:)` of its mapped bytes.
  /// - Throws: ``DistProtocolError/bodyTooLong(token:length:)`` past 4 GiB.
  public static func sourcePacketHeader(bodyLength: Int) throws(DistProtocolError) -> [UInt8] {
    guard bodyLength <= PacketWriter.maxBodyLength else {
      throw .bodyTooLong(token: .doti, length: bodyLength)
    }
    var header: [UInt8] = []
    header.reserveCapacity(PacketReader.headerLength)
    PacketWriter.appendValue(.doti, UInt32(bodyLength), to: &header)
    return header
  }

  func validate() throws(DistProtocolError) {
    if isVersionZero && version != .v1 {
      throw .invalidMessage(token: .dist, reason: "version 0 stands for protocol 1 only")
    }
    if arguments.isEmpty {
      throw .invalidMessage(token: .argc, reason: "an empty command line crashes distccd 3.4")
    }
    if version.serverPreprocesses {
      if workingDirectory == nil {
        throw .invalidMessage(token: .cdir, reason: "protocol 3 needs the working directory")
      }
      if !source.isEmpty {
        throw .invalidMessage(
          token: .doti, reason: "protocol 3 sends files, not preprocessed source")
      }
    } else {
      if workingDirectory != nil {
        throw .invalidMessage(
          token: .cdir, reason: "the working directory is sent in protocol 3 only")
      }
      if !files.isEmpty {
        throw .invalidMessage(token: .nfil, reason: "files are sent in protocol 3 only")
      }
    }
    guard files.count <= PacketWriter.maxBodyLength else {
      throw .bodyTooLong(token: .nfil, length: files.count)
    }
    if (compilerIdentity != nil) != extensions.contains(.compilerIdentity) {
      throw .invalidMessage(
        token: .ccid, reason: "a compiler identity goes with the compiler-identity extension")
    }
  }

  private func appendHead(to output: inout [UInt8]) throws(DistProtocolError) {
    PacketWriter.appendValue(.dist, distValue, to: &output)
    if !extensions.isEmpty {
      PacketWriter.appendValue(.xreq, extensions.rawValue, to: &output)
      if let compilerIdentity {
        try PacketWriter.appendStringChecked(.ccid, compilerIdentity, to: &output)
      }
    }
    if let workingDirectory, version.serverPreprocesses {
      try PacketWriter.appendStringChecked(.cdir, workingDirectory, to: &output)
    }
    try PacketWriter.appendArguments(arguments, to: &output)
  }

  func appendPackets(to output: inout [UInt8]) throws(DistProtocolError) {
    try appendHead(to: &output)
    guard version.serverPreprocesses else {
      let packet = try Request.encodedSourcePacket(source, version: version, extensions: extensions)
      output += packet.header
      output += packet.body
      return
    }
    let coding = bodyCoding
    try Request.appendFileEntries(
      files.map { file in
        switch file.content {
        case .file(let content): .file(name: file.name, codedBody: coding.encode(content))
        case .link(let target): .link(name: file.name, target: target)
        }
      }, to: &output)
  }

  /// The protocol 3 packets that follow ``encodedHead()``: `NFIL` and each entry's `NAME` and `FILE` or
  /// `LINK`, the bodies as they are in `entries`.
  /// - Throws: ``DistProtocolError/bodyTooLong(token:length:)``.
  public static func encodedFileEntries(_ entries: [IncludedFile.Coded]) throws(DistProtocolError)
    -> [UInt8]
  {
    var output: [UInt8] = []
    output.reserveCapacity(entries.reduce(12) { $0 + 24 + $1.name.count + $1.body.count })
    try appendFileEntries(entries, to: &output)
    return output
  }

  private static func appendFileEntries(
    _ entries: [IncludedFile.Coded], to output: inout [UInt8]
  ) throws(DistProtocolError) {
    guard entries.count <= PacketWriter.maxBodyLength else {
      throw .bodyTooLong(token: .nfil, length: entries.count)
    }
    PacketWriter.appendValue(.nfil, UInt32(entries.count), to: &output)
    for entry in entries {
      try PacketWriter.appendStringChecked(.name, entry.name, to: &output)
      try PacketWriter.appendStringChecked(entry.isLink ? .link : .file, entry.body, to: &output)
    }
  }
}
