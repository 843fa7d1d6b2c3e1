// libFuzzer target: the daemon's request decoder and the LZO path, compiled together with DistProtocol's
// sources into one module by Fuzz/run.sh (so there is no `import DistProtocol`).
//
// The first input byte picks what is fuzzed, the second where the input is split:
//   0, 1: RequestDecoder fed in two chunks; every request it returns must re-encode and decode to itself.
//   2:    LZO.decompress with a 1 MiB cap must never write past the cap or crash.
//   3:    LZO.compress then decompress must give the input back.
//   4:    ResponseDecoder (the client's side) for protocol 1, 2 or 3; the same bytes decoded with the object
//         streamed (split in two reads, body bytes passed around the decoder) must give the same replies.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  guard size >= 2 else { return 0 }
  let mode = data[0] % 5
  let split = Int(data[1])
  let body = Array(UnsafeBufferPointer(start: data + 2, count: size - 2))
  switch mode {
  case 0, 1: fuzzRequestDecoder(body, split: split)
  case 2: _ = try? LZO.decompress(body, limit: 1 << 20)
  case 3:
    let compressed = LZO.compress(body)
    guard (try? LZO.decompress(compressed, limit: body.count + 16)) == body else {
      fatalError("LZO round trip changed \(body.count) bytes")
    }
  default: fuzzResponseDecoder(body, version: split % 3, split: split)
  }
  return 0
}

private func fuzzRequestDecoder(_ bytes: [UInt8], split: Int) {
  var decoder = RequestDecoder(limits: fuzzLimits)
  let cut = bytes.isEmpty ? 0 : split % (bytes.count + 1)
  decoder.append(bytes[..<cut])
  var requests: [Request] = []
  do {
    while let request = try decoder.next() { requests.append(request) }
    decoder.append(bytes[cut...])
    while let request = try decoder.next() { requests.append(request) }
    try decoder.finish()
  } catch {
    _ = error.description  // every error must render its message
  }
  for request in requests {
    guard let encoded = try? request.encoded() else { continue }
    var again = RequestDecoder(limits: fuzzLimits)
    again.append(encoded)
    guard let decoded = try? again.next(), decoded == request else {
      fatalError("request did not survive encode/decode: \(request)")
    }
  }
}

private func fuzzResponseDecoder(_ bytes: [UInt8], version: Int, split: Int) {
  let versions: [ProtocolVersion] = [.v1, .v2, .v3]
  var decoder = ResponseDecoder(expecting: versions[version], limits: fuzzLimits)
  decoder.append(bytes)
  var collected: [Response] = []
  do {
    while let response = try decoder.next() { collected.append(response) }
    try decoder.finish()
  } catch {
    _ = error.description
  }
  let streamed = streamResponses(bytes, version: versions[version], split: split)
  guard streamed == collected else {
    fatalError("streaming the object changed the replies: \(streamed) != \(collected)")
  }
}

/// `bytes` decoded as the client does with `streamingObject`, in two reads cut at `split`; each streamed
/// object is put back into its response.
private func streamResponses(_ bytes: [UInt8], version: ProtocolVersion, split: Int) -> [Response] {
  var decoder = ResponseDecoder(expecting: version, limits: fuzzLimits, streamingObject: true)
  let cut = bytes.isEmpty ? 0 : split % (bytes.count + 1)
  var responses: [Response] = []
  var object: [UInt8] = []
  do {
    for read in [bytes[..<cut], bytes[cut...]] {
      let passed = decoder.passObjectBytes(read.count)
      object += read.prefix(passed)
      decoder.append(read.dropFirst(passed))
      while true {
        if var response = try decoder.next() {
          if decoder.streamedObjectLength != nil {
            guard object.count == decoder.streamedObjectLength else {
              fatalError("streamed \(object.count) bytes of \(decoder.streamedObjectLength!)")
            }
            response.object = object
          }
          responses.append(response)
          object = []
          continue
        }
        let piece = decoder.takeObjectBytes()
        if piece.isEmpty { break }
        object += piece
      }
    }
    try decoder.finish()
  } catch {
    _ = error.description
  }
  return responses
}

/// Small limits, so that a fuzzed header cannot make one input allocate for long.
private let fuzzLimits = DecodingLimits(
  maxArguments: 256, maxArgumentLength: 4096, maxBodyLength: 1 << 20,
  maxDecompressedLength: 1 << 20, maxFiles: 64, maxNameLength: 4096)
