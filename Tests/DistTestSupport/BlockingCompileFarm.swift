import DistPosix
import Glibc
import SystemPackage

/// Debian's distccd 3.4 on a free loopback port and a compiler that blocks on a fifo, once while it
/// preprocesses on the client and once while it compiles on the daemon, so a test can look at each phase
/// (state files, monitors) for as long as it wants. The daemon is stopped by pid (with its prefork group)
/// and the directory removed when the farm is released.
public final class BlockingCompileFarm: @unchecked Sendable {  // immutable after init
  /// Whether Debian's client and daemon are installed.
  public static var isInstalled: Bool {
    access("/usr/bin/distcc", X_OK) == 0 && access("/usr/bin/distccd", X_OK) == 0
  }

  /// The world-readable work directory: `hello.c`, the blocking `fakecc`, the fifos.
  public let directory: TestDirectory
  /// The daemon's port on 127.0.0.1.
  public let port: UInt16
  private let daemon: TestDaemon

  /// The clients' `DISTCC_DIR`.
  public var distccDirectory: String { directory.appending("distcc") }

  public init() throws {
    directory = try TestDirectory()
    let path = directory.path
    chmod(path, 0o777)  // a daemon started as root works as `distccd`
    try directory.write("hello.c", "int main(void) { return 0; }\n")
    try directory.write(
      "fakecc",
      """
      #!/bin/sh
      case " $* " in *" -E "*) stage=cpp;; *) stage=cc;; esac
      : > \(path)/$stage.started
      cat \(path)/$stage.fifo > /dev/null
      exec gcc "$@"

      """, mode: 0o755)
    for stage in ["cpp", "cc"] {
      guard mkfifo(path + "/\(stage).fifo", 0o666) == 0 else {
        throw PosixError.system(operation: "mkfifo \(stage).fifo", errno: Errno(rawValue: errno))
      }
      chmod(path + "/\(stage).fifo", 0o666)
    }
    mkdir(path + "/distcc", 0o755)
    // On 127.0.0.1: the monitors' expected output names the host.
    daemon = try TestDaemon(
      .debian, listen: "127.0.0.1",
      arguments: ["--allow", "127.0.0.1", "--enable-tcp-insecure", "--jobs", "2"],
      logPath: directory.appending("distccd.log"))
    port = UInt16(daemon.port)
  }

  deinit { daemon.stop() }

  /// Starts `<distcc> fakecc -c hello.c -o hello.o` with one slot on the daemon; its output goes to
  /// `client.log`.
  public func startCompile(with distcc: String = "/usr/bin/distcc") throws -> BackgroundProcess {
    try BackgroundProcess(
      [distcc, directory.appending("fakecc"), "-c", "hello.c", "-o", "hello.o"],
      environment: [
        "PATH": "/usr/bin:/bin", "DISTCC_DIR": distccDirectory,
        "DISTCC_HOSTS": "127.0.0.1:\(port)/1",
      ], directory: directory.path, logPath: directory.appending("client.log"))
  }

  /// Waits until the compiler has started `stage` (`cpp` on the client, `cc` on the daemon) and blocks.
  public func waitForStage(_ stage: String) throws {
    try Wait.require("\(stage) to start") { directory.exists("\(stage).started") }
  }

  /// Lets a blocked stage go on: opening and closing the fifo gives its reader end-of-file.
  public func release(_ stage: String) throws {
    let descriptor = open(directory.appending("\(stage).fifo"), O_WRONLY)
    guard descriptor >= 0 else {
      throw PosixError.system(operation: "open \(stage).fifo", errno: Errno(rawValue: errno))
    }
    close(descriptor)
  }

  /// Polls `condition` for up to 20 s (DistTestSupport's `Wait.require`).
  public static func waitUntil(_ what: String, _ condition: () -> Bool) throws {
    try Wait.require(what, condition)
  }
}
