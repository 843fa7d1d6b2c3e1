extension Request {
  /// The request as wire bytes.
  /// - Throws: ``DistProtocolError/invalidMessage(token:reason:)`` if a field does not belong to the
  ///   version (or the command line is empty), ``DistProtocolError/bodyTooLong(token:length:)``.
  public func encoded() throws(DistProtocolError) -> [UInt8] {
    var output: [UInt8] = []
    try encode(into: &output)
    return output
  }

  /// Appends the request's wire bytes to `output`; on error `output` is left as it was.
  /// - Throws: as ``encoded()``.
  public func encode(into output: inout [UInt8]) throws(DistProtocolError) {
    try validate()
    let start = output.count
    do {
      try appendPackets(to: &output)
    } catch {
      output.removeSubrange(start...)
      throw error
    }
  }

  private func validate() throws(DistProtocolError) {
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
  }

  private func appendPackets(to output: inout [UInt8]) throws(DistProtocolError) {
    PacketWriter.appendValue(.dist, distValue, to: &output)
    if let workingDirectory, version.serverPreprocesses {
      try PacketWriter.appendStringChecked(.cdir, workingDirectory, to: &output)
    }
    try PacketWriter.appendArguments(arguments, to: &output)
    guard version.serverPreprocesses else {
      try PacketWriter.appendBulkChecked(.doti, source, version: version, to: &output)
      return
    }
    PacketWriter.appendValue(.nfil, UInt32(files.count), to: &output)
    for file in files {
      try PacketWriter.appendStringChecked(.name, file.name, to: &output)
      switch file.content {
      case .file(let content):
        try PacketWriter.appendBulkChecked(.file, content, version: version, to: &output)
      case .link(let target):
        try PacketWriter.appendStringChecked(.link, target, to: &output)
      }
    }
  }
}
