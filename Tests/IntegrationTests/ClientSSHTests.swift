import Foundation
import Glibc
import Testing

/// SSH hosts through `DISTCC_SSH` (3.4's tunnel program): a stand-in `ssh` that runs the remote command here,
/// so the job's bytes travel over the tunnel's pipes to a real `distccd --inetd`.
@Suite(.serialized, .timeLimit(.minutes(1))) struct ClientSSHTests {
  @Test(arguments: RealDaemon.Kind.allCases)
  func sshHostCompilesThroughTheTunnelProgram(kind: RealDaemon.Kind) throws {
    let world = try ClientWorld(hosts: nil)
    // argv: fakessh [-l USER] HOST COMMAND --inetd --enable-tcp-insecure
    try world.write(
      "fakessh",
      "#!/bin/sh\necho \"$@\" > \(world.path)/ssh-args\nif [ \"$1\" = -l ]; then shift 2; fi\nshift\nexec env TMPDIR=/tmp \"$@\"\n"
    )
    chmod(world.path + "/fakessh", 0o755)
    world.environment["DISTCC_SSH"] = world.path + "/fakessh"
    world.environment["DISTCC_HOSTS"] = "alice@buildbox:\(kind.executable),lzo"
    world.environment["DISTCC_LOG"] = world.path + "/client.log"
    let result = try world.distcc(["gcc", "-c", "hello.c", "-o", "ssh.o"])
    #expect(result.status == 0, "\(result.stderr)")
    let arguments = String(decoding: world.contents("ssh-args") ?? Data(), as: UTF8.self)
    #expect(arguments == "-l alice buildbox \(kind.executable) --inetd --enable-tcp-insecure\n")
    let log = String(decoding: world.contents("client.log") ?? Data(), as: UTF8.self)
    #expect(log.contains("compile hello.c on alice@buildbox"), "\(log)")
    #expect(log.contains("completed ok"), "\(log)")
    try world.local(["gcc", "-c", "hello.c", "-o", "local.o"])
    #expect(world.contents("ssh.o") == world.contents("local.o"))
  }
}
