import DistPosix
import DistTestSupport
import Testing

@testable import DistProtocol

/// Our encoder's bytes sent to Debian's real distccd 3.4 on loopback, its live replies decoded.
struct LiveCase: Sendable, CustomTestStringConvertible {
  var label: String
  var version: ProtocolVersion
  var request: @Sendable () throws -> [UInt8]
  var check: @Sendable (Response) -> Void
  var testDescription: String { label }
}

private let helloArguments = ["x86_64-linux-gnu-gcc", "-c", "hello.c", "-o", "hello.o"].map {
  Array($0.utf8)
}

private func expectObject(_ response: Response) {
  #expect(response.status == .success)
  #expect(response.object.starts(with: [0x7f, 0x45, 0x4c, 0x46]))
}

/// Our encoder's request compiling hello.c with `version`.
private func helloRequest(_ version: ProtocolVersion) -> @Sendable () throws -> [UInt8] {
  {
    try Request(
      version: version, arguments: helloArguments, source: ReferenceCaptureTests.helloSource
    )
    .encoded()
  }
}

let liveCases: [LiveCase] = [
  LiveCase(label: "protocol 1", version: .v1, request: helloRequest(.v1), check: expectObject),
  LiveCase(
    label: "protocol 2, liblzo2 DOTI", version: .v2, request: helloRequest(.v2), check: expectObject
  ),
  LiveCase(
    label: "protocol 2, literal-only DOTI (§6.4)", version: .v2,
    request: {
      var bytes: [UInt8] = []
      PacketWriter.appendValue(.dist, 2, to: &bytes)
      PacketWriter.appendValue(.argc, UInt32(helloArguments.count), to: &bytes)
      for argument in helloArguments { PacketWriter.appendString(.argv, argument, to: &bytes) }
      PacketWriter.appendString(
        .doti, ReferenceCaptureTests.helloSource.literalOnlyLZO(), to: &bytes)
      return bytes
    }, check: expectObject),
  LiveCase(
    label: "protocol 2, syntax error", version: .v2,
    request: {
      try Request(
        version: .v2, arguments: helloArguments, source: Array("int main(void) { return }\n".utf8)
      ).encoded()
    },
    check: { response in
      #expect(response.status == .exited(1))
      #expect(String(decoding: response.stderr, as: UTF8.self).contains("error"))
      #expect(response.object.isEmpty)
    }),
  LiveCase(
    label: "protocol 3, files and a symlink", version: .v3,
    request: {
      try Request(
        version: .v3, workingDirectory: Array("/tmp/live/pump".utf8),
        arguments: ["x86_64-linux-gnu-gcc", "-c", "p.c", "-o", "p.o", "-MD", "-MT", "p.o"].map {
          Array($0.utf8)
        },
        files: [
          IncludedFile(
            name: Array("/tmp/live/pump/p.c".utf8),
            content: .file(
              Array("#include \"alias.h\"\nint main(void) { return GREETING; }\n".utf8))),
          IncludedFile(
            name: Array("/tmp/live/pump/inc/greet.h".utf8),
            content: .file(Array("#define GREETING 0\n".utf8))),
          IncludedFile(
            name: Array("/tmp/live/pump/alias.h".utf8), content: .link(Array("inc/greet.h".utf8))),
        ]
      ).encoded()
    },
    check: { response in
      expectObject(response)
      #expect(
        response.dependencies
          == Array("p.o: p.c /usr/include/stdc-predef.h alias.h\n".utf8))
    }),
]

@Suite(.enabled(if: Binaries.hasDebianDistcc, "needs Debian's distccd 3.4"))
struct LiveDaemonTests {
  /// Starts `/usr/bin/distccd` on a free loopback port, runs `body`, stops the daemon by its pid.
  static func withDaemon<T>(_ body: (SocketAddress) throws -> T) throws -> T {
    let directory = try TestDirectory()
    let daemon = try TestDaemon(
      .debian, arguments: ["--allow", "127.0.0.0/8", "--jobs", "1"],
      logPath: directory.appending("distccd.log"))
    defer { daemon.stop() }
    return try body(
      try #require(SocketAddress(numericHost: daemon.address, port: UInt16(daemon.port))))
  }

  /// Sends `request`, reads until the server closes; returns every byte it sent.
  static func exchange(_ request: [UInt8], with address: SocketAddress) throws -> [UInt8] {
    let fd = try Socket.connect(to: address, deadline: .after(seconds: 10))
    defer { fd.closeIgnoringErrors() }
    try fd.writeAll(request, deadline: .after(seconds: 10))
    return try fd.readToEnd(limit: 16 << 20, deadline: .after(seconds: 60))
  }

  @Test(arguments: liveCases)
  func realDaemonAcceptsOurRequestAndWeDecodeItsReply(_ live: LiveCase) throws {
    let reply = try Self.withDaemon { address in
      try Self.exchange(try live.request(), with: address)
    }
    let responses = try decodeAll(ResponseDecoder(expecting: live.version), reply, chunkSizes: [7])
    try #require(responses.count == 1)
    live.check(responses[0])
    // The reply re-encodes to the daemon's exact bytes.
    #expect(try responses[0].encoded() == reply)
  }

  /// distccd 3.4 answers `DIST 00000000` as protocol 1 with `DONE 00000000`; a decoder expecting
  /// protocol 1 reports the mismatch, and a `Response` with `isVersionZero` reproduces the bytes.
  @Test func versionZeroIsAnsweredWithDoneZero() throws {
    let request = Request(
      version: .v1, isVersionZero: true, arguments: helloArguments,
      source: ReferenceCaptureTests.helloSource)
    let reply = try Self.withDaemon { address in
      try Self.exchange(try request.encoded(), with: address)
    }
    #expect(reply.starts(with: Array("DONE00000000STAT00000000".utf8)))
    let thrown = error { () throws(DistProtocolError) in
      try decodeAll(ResponseDecoder(expecting: .v1), reply)
    }
    #expect(thrown == .versionMismatch(expected: .v1, found: 0))
    var patched = reply
    patched.replaceSubrange(4..<12, with: Array("00000001".utf8))
    var response = try #require(try decodeAll(ResponseDecoder(expecting: .v1), patched).first)
    response.isVersionZero = true
    #expect(try response.encoded() == reply)
  }

  /// Versions above 3 are refused without a reply (only the header is sent: unread bytes would make the
  /// close a reset).
  @Test func versionFourGetsNoReply() throws {
    let reply = try Self.withDaemon { address in
      try Self.exchange(packet("DIST", 4), with: address)
    }
    #expect(reply.isEmpty)
  }
}
