// A protocol-1 distcc request built by hand, and the reply read back over a channel.
import SSHTransport

enum DistccJob {
  /// `DIST 1`, `gcc -c hello.c -o hello.o`, and a tiny preprocessed source.
  static let request: [UInt8] = {
    func header(_ token: String, _ value: Int) -> [UInt8] {
      let hex = String(value, radix: 16)
      return Array(token.utf8) + Array((String(repeating: "0", count: 8 - hex.count) + hex).utf8)
    }
    let arguments = ["gcc", "-c", "hello.c", "-o", "hello.o"]
    let source = Array("# 1 \"hello.c\"\nint answer(void) { return 42; }\n".utf8)
    var bytes = header("DIST", 1) + header("ARGC", arguments.count)
    for argument in arguments { bytes += header("ARGV", argument.utf8.count) + Array(argument.utf8) }
    return bytes + header("DOTI", source.count) + source
  }()

  /// Sends the request and reads the whole reply.
  static func run(over channel: SSHChannel) throws(SSHError) -> [UInt8] {
    try channel.write(request, deadline: .after(milliseconds: 20_000))
    var reply: [UInt8] = []
    while true {
      let chunk = try channel.read(upTo: 16384, deadline: .after(milliseconds: 20_000))
      if chunk.isEmpty { return reply }
      reply += chunk
    }
  }

  /// A protocol-1 reply of a successful compile: `DONE 1`, `STAT 0`, and a `DOTO` carrying an ELF object.
  static func isSuccess(_ reply: [UInt8]) -> Bool {
    guard reply.starts(with: "DONE00000001STAT00000000".utf8) else { return false }
    var offset = 24
    for token in ["SERR", "SOUT", "DOTO"] {
      guard reply.count >= offset + 12, reply[offset..<offset + 4].elementsEqual(token.utf8),
        let length = Int(String(decoding: reply[offset + 4..<offset + 12], as: UTF8.self), radix: 16)
      else { return false }
      offset += 12
      if token == "DOTO" {
        return length > 4 && reply.count == offset + length
          && reply[offset..<offset + 4].elementsEqual([0x7f, 0x45, 0x4c, 0x46])
      }
      offset += length
    }
    return false
  }
}
