import Glibc
import SSHTransport
import Testing

@Suite struct SSHChannelTests {
  @Test func keyFileAuthenticationRunsRemoteDistccd() throws {
    let server = try SSHServer()
    try server.writeKnownHosts()
    let channel = try SSHChannel.open(server.destination(), options: server.options())
    defer { channel.close() }
    let reply = try DistccJob.run(over: channel)
    #expect(DistccJob.isSuccess(reply), "\(String(decoding: reply.prefix(200), as: UTF8.self))")
    #expect(channel.negotiatedAlgorithms.hasPrefix("curve25519-sha256 ssh-ed25519 aes128-ctr"))
  }
}
