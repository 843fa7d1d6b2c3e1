import DistPosix
import DistTestSupport
import Glibc
import Testing

/// The Debian package `Scripts/package-deb.sh` builds, checked without installing it over Debian's referee
/// distcc: its control fields and files, lintian, the packaged `distccd` under `systemd-socket-activate`
/// in both `Accept` modes and under the unit's hardening, and the maintainer scripts against a temporary
/// root (`DPKG_ROOT`). CI builds the package once before the tests and passes its path in
/// `SWIFT_DISTCC_DEB`; without it the newest `.build/deb` package is used, and the tests that need one are
/// skipped only when none was built.
@Suite("Debian package", .serialized)
struct PackageTests {
  static let skipMessage =
    "no swift-distcc .deb: run Scripts/package-deb.sh (CI does, and sets SWIFT_DISTCC_DEB)"

  /// The package version: the first entry of Packaging/debian/changelog.
  static let version: String = {
    let text = (try? readText("\(Binaries.packageRoot)/Packaging/debian/changelog")) ?? ""
    let first = text.split(separator: "\n").first ?? ""
    guard let open = first.firstIndex(of: "("), let close = first.firstIndex(of: ")") else {
      return ""
    }
    return String(first[first.index(after: open)..<close])
  }()

  /// The `.deb` under test, if one was built.
  static let deb: String? = {
    if let path = getenv("SWIFT_DISTCC_DEB").map({ String(cString: $0) }), !path.isEmpty {
      return path
    }
    let path = "\(Binaries.packageRoot)/.build/deb/swift-distcc_\(version)_amd64.deb"
    return access(path, R_OK) == 0 ? path : nil
  }()

  static var isRoot: Bool { getuid() == 0 }

  // MARK: Contents

  @Test(
    "control fields: name, changelog version, architecture, dependencies, replaces Debian's distcc",
    .enabled(if: deb != nil, Comment(rawValue: skipMessage)))
  func controlFields() throws {
    let deb = try #require(Self.deb)
    func field(_ name: String) throws -> String {
      try run(["dpkg-deb", "--field", deb, name]).trimmed()
    }
    #expect(try field("Package") == "swift-distcc")
    #expect(try field("Version") == Self.version)
    #expect(try field("Architecture") == (try run(["dpkg", "--print-architecture"]).trimmed()))
    #expect(try field("Conflicts") == "distcc, distcc-pump")
    #expect(try field("Replaces") == "distcc, distcc-pump")
    #expect(try field("Provides") == "distcc (= 3.4), distcc-pump (= 3.4)")
    let depends = try field("Depends")
    for needed in ["libc6", "libssh2-1", "libzstd1"] {
      #expect(depends.contains(needed), "\(depends)")
    }
    // LZO is linked from its archive: nothing loads liblzo2.so.2.
    #expect(!depends.contains("liblzo2"), "\(depends)")
    #expect(try field("Section") == "devel")
    #expect(deb.hasSuffix("/swift-distcc_\(Self.version)_amd64.deb"))
  }

  @Test(
    "file list: binaries, man pages, units, conffile, completion, maintainer scripts and trigger",
    .enabled(if: deb != nil, Comment(rawValue: skipMessage)))
  func fileList() throws {
    let deb = try #require(Self.deb)
    // "drwxr-xr-x root/root 0 2026-12-05 08:00 ./usr/bin/" → "drwxr-xr-x ./usr/bin/"; links keep "-> target".
    let entries = try run(["dpkg-deb", "--contents", deb]).split(separator: "\n").map { line in
      let fields = line.split(separator: " ", omittingEmptySubsequences: true)
      return ([fields[0], fields[1]] + fields[5...]).joined(separator: " ")
    }
    let files = entries.filter { !$0.hasPrefix("d") }.sorted()
    #expect(
      files == [
        "-rw-r--r-- root/root ./etc/default/distccd",
        "-rw-r--r-- root/root ./lib/systemd/system/distccd-inetd.socket",
        "-rw-r--r-- root/root ./lib/systemd/system/distccd-inetd@.service",
        "-rw-r--r-- root/root ./lib/systemd/system/distccd.service",
        "-rw-r--r-- root/root ./lib/systemd/system/distccd.socket",
        "-rw-r--r-- root/root ./usr/share/bash-completion/completions/distcc",
        "-rw-r--r-- root/root ./usr/share/doc/swift-distcc/README.md",
        "-rw-r--r-- root/root ./usr/share/doc/swift-distcc/changelog.gz",
        "-rw-r--r-- root/root ./usr/share/doc/swift-distcc/copyright",
        "-rw-r--r-- root/root ./usr/share/doc/swift-distcc/distcc.md",
        "-rw-r--r-- root/root ./usr/share/doc/swift-distcc/distccd.md",
        "-rw-r--r-- root/root ./usr/share/doc/swift-distcc/hosts.md",
        "-rw-r--r-- root/root ./usr/share/doc/swift-distcc/monitor.md",
        "-rw-r--r-- root/root ./usr/share/doc/swift-distcc/pump.md",
        "-rw-r--r-- root/root ./usr/share/doc/swift-distcc/scheduling.md",
        "-rw-r--r-- root/root ./usr/share/doc/swift-distcc/security.md",
        "-rw-r--r-- root/root ./usr/share/doc/swift-distcc/ssh.md",
        "-rw-r--r-- root/root ./usr/share/lintian/overrides/swift-distcc",
        "-rw-r--r-- root/root ./usr/share/man/man1/distcc-include-server.1.gz",
        "-rw-r--r-- root/root ./usr/share/man/man1/distcc-pump.1.gz",
        "-rw-r--r-- root/root ./usr/share/man/man1/distcc.1.gz",
        "-rw-r--r-- root/root ./usr/share/man/man1/distccd.1.gz",
        "-rw-r--r-- root/root ./usr/share/man/man1/distccmon-text.1.gz",
        "-rw-r--r-- root/root ./usr/share/man/man1/distccmon-web.1.gz",
        "-rw-r--r-- root/root ./usr/share/man/man8/update-distcc-symlinks.8.gz",
        "-rwxr-xr-x root/root ./usr/bin/distcc",
        "-rwxr-xr-x root/root ./usr/bin/distcc-include-server",
        "-rwxr-xr-x root/root ./usr/bin/distcc-pump",
        "-rwxr-xr-x root/root ./usr/bin/distccd",
        "-rwxr-xr-x root/root ./usr/bin/distccmon-text",
        "-rwxr-xr-x root/root ./usr/bin/distccmon-web",
        "-rwxr-xr-x root/root ./usr/sbin/update-distcc-symlinks",
        "lrwxrwxrwx root/root ./usr/share/bash-completion/completions/distccd -> distcc",
        "lrwxrwxrwx root/root ./usr/share/bash-completion/completions/distccmon-text -> distcc",
        "lrwxrwxrwx root/root ./usr/share/bash-completion/completions/distccmon-web -> distcc",
      ])
    // The masquerade directory ships empty: postinst fills it.
    #expect(entries.contains("drwxr-xr-x root/root ./usr/lib/distcc/"))

    let control = try TestDirectory(prefix: "swift-distcc-control-")
    _ = try run(["dpkg-deb", "--control", deb, control.path])
    #expect(
      control.list() == [
        "conffiles", "control", "md5sums", "postinst", "postrm", "prerm", "triggers",
      ])
    #expect(try readText(control.appending("conffiles")) == "/etc/default/distccd\n")
    #expect(
      try readText(control.appending("triggers")).split(separator: "\n") == [
        "interest-noawait /usr/lib/gcc", "interest-noawait /usr/lib/gcc-cross",
        "interest-noawait /usr/lib/x86_64-linux-gnu/gcc",
      ])
    for script in ["postinst", "prerm", "postrm"] {
      #expect(access(control.appending(script), X_OK) == 0, "\(script) is not executable")
    }
    // The packaged binaries are this tree's: --version names swift-distcc, and the units use the daemon's
    // socket-activation options.
    let root = try Unpacked(deb)
    #expect(try run([root.path("/usr/bin/distccd"), "--version"]).contains("swift-distcc"))
    #expect(try run([root.path("/usr/bin/distccd"), "--help"]).contains("--idle-exit"))
  }

  @Test("lintian finds no error", .enabled(if: deb != nil, Comment(rawValue: skipMessage)))
  func lintianFindsNoError() throws {
    let deb = try #require(Self.deb)
    guard access("/usr/bin/lintian", X_OK) == 0 else {
      Issue.record("lintian is not installed: Scripts/install-deps.sh installs it")
      return
    }
    let result = try TestProcess.run(["lintian", "--fail-on", "error", deb], timeout: 300)
    let tags = (result.stdout + result.stderr).split(separator: "\n").filter { $0.hasPrefix("E: ") }
    #expect(tags.isEmpty, "\(result)")
    #expect(result.exitCode == 0, "\(result)")
  }

  @Test(
    "systemd-analyze verify accepts every unit",
    .enabled(if: deb != nil, Comment(rawValue: skipMessage)))
  func unitsVerify() throws {
    let root = try Unpacked(try #require(Self.deb))
    for unit in ["distccd.service", "distccd.socket", "distccd-inetd.socket"] {
      let result = try TestProcess.run(
        ["systemd-analyze", "verify", "--man=no", root.path("/lib/systemd/system/\(unit)")])
      #expect(result.exitCode == 0 && result.stderr.isEmpty, "\(unit): \(result)")
    }
    let service = try readText(root.path("/lib/systemd/system/distccd.service"))
    #expect(service.contains("--idle-exit=${DISTCCD_IDLE_EXIT} $DISTCCD_OPTS"))
    let inetd = try readText(root.path("/lib/systemd/system/distccd-inetd@.service"))
    // The per-connection service is hardened as the daemon is (the two units cannot share a drop-in).
    let hardening = service.split(separator: "\n").drop { !$0.hasPrefix("NoNewPrivileges=") }
      .prefix { !$0.hasPrefix("[") }
    #expect(hardening.count >= 10)
    for line in hardening + ["User=distccd"] {
      #expect(inetd.split(separator: "\n").contains(line), "distccd-inetd@.service lacks \(line)")
    }
    #expect(inetd.contains("StandardInput=socket") && inetd.contains("/usr/bin/distccd --inetd"))
    #expect(try readText(root.path("/lib/systemd/system/distccd.socket")).contains("Accept=no"))
    #expect(
      try readText(root.path("/lib/systemd/system/distccd-inetd.socket")).contains("Accept=yes"))
  }

  // MARK: Socket activation

  @Test(
    "Accept=no: the packaged distccd serves the socket it is handed, to both clients, then idles out",
    .enabled(if: deb != nil, Comment(rawValue: skipMessage)))
  func socketActivationListening() throws {
    let root = try Unpacked(try #require(Self.deb))
    let world = try CompileWorld()
    let endpoint = try LoopbackAddress.pick()
    let (address, port) = (endpoint.address, endpoint.port)
    // systemd-socket-activate binds, sets LISTEN_FDS=1 and LISTEN_PID, and execs distccd (same pid).
    let daemon = try BackgroundProcess(
      [
        "systemd-socket-activate", "--listen=\(address):\(port)", root.path("/usr/bin/distccd"),
        "--daemon", "--no-detach", "--log-stderr", "--log-level=info", "--idle-exit=5",
      ], logPath: world.directory.appending("daemon.log"))
    defer { daemon.stop() }
    try daemon.waitForLog("Listening on \(address):\(port)")
    // Nobody has connected yet: no distccd has started (socket activation costs nothing until a job).
    #expect(!daemon.log().contains("distccd["))

    try world.compile(
      with: root.path("/usr/bin/distcc"), host: "\(address):\(port)", output: "ours.o")
    if let debian = Binaries.debian("distcc") {
      try world.compile(with: debian, host: "\(address):\(port)", output: "debian.o")
    }
    let log = daemon.log()
    #expect(
      !log.contains("] listening on "), "it must serve the handed-over socket, not bind: \(log)")
    // systemd hands over a blocking socket; the daemon makes it non-blocking, so that a client vanishing
    // between poll and accept cannot block its accept loop.
    let fdinfo = try readText("/proc/\(daemon.pid)/fdinfo/3")
    let flags = fdinfo.split(separator: "\n").first { $0.hasPrefix("flags:") }.flatMap {
      Int($0.dropFirst("flags:".count).drop { $0 == "\t" || $0 == " " }, radix: 8)
    }
    #expect(flags.map { $0 & Int(O_NONBLOCK) != 0 } == true, "\(fdinfo)")
    let summaries = log.split(separator: "\n").filter { $0.contains("COMPILE_OK") }
    #expect(summaries.count == (Binaries.debian("distcc") == nil ? 1 : 2), "\(log)")
    #expect(summaries.allSatisfy { $0.hasPrefix("distccd[\(daemon.pid)] ") }, "\(log)")

    // --idle-exit 5: exits 0 five seconds after the last connection closed.
    let status = try daemon.waitForExit(timeout: 20)
    #expect(status.exitCode == 0, "\(daemon.log())")
    #expect(daemon.log().contains("no connection for 5s (--idle-exit): exiting"))
  }

  @Test(
    "Accept=no with --daemon detaching: the detached copy serves the socket systemd handed the parent",
    .enabled(if: deb != nil, Comment(rawValue: skipMessage)))
  func socketActivationDetaching() throws {
    let root = try Unpacked(try #require(Self.deb))
    let world = try CompileWorld()
    let endpoint = try LoopbackAddress.pick()
    let (address, port) = (endpoint.address, endpoint.port)
    let pidFile = world.directory.appending("distccd.pid")
    chmod(world.directory.path, 0o777)  // the daemon, no longer root, writes its pid and log files here
    let parent = try BackgroundProcess(
      [
        "systemd-socket-activate", "--listen=\(address):\(port)", root.path("/usr/bin/distccd"),
        "--daemon", "--pid-file=\(pidFile)",
        "--log-file=\(world.directory.appending("daemon.log"))",
        "--idle-exit=1", "--lifetime=120",  // --lifetime: never outlives a failed test for long
      ], logPath: world.directory.appending("parent.log"))
    defer { parent.stop() }
    try parent.waitForLog("Listening on \(address):\(port)")
    // The first connection starts distccd, which detaches and returns once its copy serves.
    try world.compile(
      with: root.path("/usr/bin/distcc"), host: "\(address):\(port)", output: "one.o")
    #expect(try parent.waitForExit(timeout: 20).exitCode == 0, "\(parent.log())")
    let pid = try #require(Int32(try readText(pidFile).trimmed()))
    defer { kill(pid, SIGTERM) }
    #expect(pid != parent.pid)
    try world.compile(
      with: root.path("/usr/bin/distcc"), host: "\(address):\(port)", output: "two.o")
    // The copy was handed the socket (it never binds), and --idle-exit does not apply to it: nothing would
    // start it again.
    let log = try readText(world.directory.appending("daemon.log"))
    #expect(log.split(separator: "\n").filter { $0.contains("COMPILE_OK") }.count == 2, "\(log)")
    #expect(!log.contains("bind of"), "\(log)")
    usleep(2_000_000)  // twice --idle-exit: an absence to observe, no event to wait for
    #expect(kill(pid, 0) == 0, "the detached daemon exited: \(log)")
  }

  @Test(
    "Accept=yes: one packaged distccd per connection, on stdin (--inetd) or on fd 3",
    .enabled(if: deb != nil, Comment(rawValue: skipMessage)),
    arguments: [true, false])
  func socketActivationPerConnection(onStandardInput: Bool) throws {
    let root = try Unpacked(try #require(Self.deb))
    let world = try CompileWorld()
    let endpoint = try LoopbackAddress.pick()
    let (address, port) = (endpoint.address, endpoint.port)
    // --accept: accept each connection and start distccd for it; --inetd passes it as stdin/stdout (the
    // unit's StandardInput=socket), else as fd 3 with LISTEN_FDS=1.
    let activate =
      ["systemd-socket-activate", "--accept", "--listen=\(address):\(port)"]
      + (onStandardInput ? ["--inetd"] : [])
    let daemon = try BackgroundProcess(
      activate + [root.path("/usr/bin/distccd"), "--log-stderr", "--log-level=info"]
        + (onStandardInput ? ["--inetd"] : []),
      logPath: world.directory.appending("daemon.log"))
    defer { daemon.stop() }
    try daemon.waitForLog("Listening on \(address):\(port)")

    try world.compile(
      with: root.path("/usr/bin/distcc"), host: "\(address):\(port)", output: "one.o")
    let client = Binaries.debian("distcc") ?? root.path("/usr/bin/distcc")
    try world.compile(with: client, host: "\(address):\(port)", output: "two.o")
    try BlockingCompileFarm.waitUntil("two job summaries") {
      daemon.log().split(separator: "\n").filter { $0.contains("COMPILE_OK") }.count == 2
    }
    let log = daemon.log()
    let pids = log.split(separator: "\n").filter { $0.contains("COMPILE_OK") }.map {
      $0.prefix { $0 != "]" }
    }
    #expect(pids.count == 2, "\(log)")
    #expect(Set(pids).count == 2, "one daemon per connection: \(log)")
    #expect(log.contains("inetd server started"), "\(log)")
    #expect(!log.contains("listening on"), "an Accept=yes daemon must not bind: \(log)")
  }

  @Test(
    "the service's hardening (strict read-only system, private /tmp and /dev, no capabilities, no new privileges, user distccd) still runs gcc and g++",
    .enabled(if: deb != nil && isRoot && Self.hasUser("distccd"), Comment(rawValue: skipMessage)))
  func hardenedService() throws {
    let root = try Unpacked(try #require(Self.deb))
    let unit = try readText(root.path("/lib/systemd/system/distccd.service"))
    // What the emulation below does, the unit must say.
    for line in [
      "User=distccd", "NoNewPrivileges=yes", "CapabilityBoundingSet=", "ProtectSystem=strict",
      "ProtectHome=yes", "PrivateTmp=yes", "PrivateDevices=yes",
    ] {
      #expect(
        unit.split(separator: "\n").contains(Substring(line)), "distccd.service lacks \(line)")
    }
    let world = try CompileWorld()
    try world.directory.write("hello.cpp", "#include <string>\nstd::string g() { return \"x\"; }\n")
    let script = try world.directory.write("hardened.sh", Self.hardeningScript, mode: 0o755)
    let endpoint = try LoopbackAddress.pick()
    let (address, port) = (endpoint.address, endpoint.port)
    let daemon = try BackgroundProcess(
      [
        "unshare", "--mount", "--propagation", "private", script, root.path(""),
        "--daemon", "--no-detach", "--log-stderr", "--listen", address, "--port", String(port),
      ], logPath: world.directory.appending("daemon.log"))
    defer { daemon.stop() }
    try Wait.require("distccd on \(address):\(port)") { LoopbackAddress.isListening(address, Int(port)) }
    try world.compile(with: root.path("/usr/bin/distcc"), host: "\(address):\(port)", output: "c.o")
    try world.compile(
      with: root.path("/usr/bin/distcc"), host: "\(address):\(port)", output: "cpp.o",
      compiler: "g++", source: "hello.cpp")
    let log = daemon.log()
    #expect(log.split(separator: "\n").filter { $0.contains("COMPILE_OK") }.count == 2, "\(log)")
    #expect(!log.contains("hardening:"), "\(log)")
  }

  /// Runs the unpacked `distccd` ($1: the package root, then its arguments) with what `distccd.service`
  /// sets, in the mount namespace `unshare --mount` made: every file system read-only
  /// (ProtectSystem=strict), a private tmpfs /tmp (PrivateTmp), empty /home and /root (ProtectHome), a /dev
  /// of null, zero, full, random and urandom (PrivateDevices), then as user distccd with no capabilities
  /// and no_new_privs (User=, CapabilityBoundingSet=, NoNewPrivileges=). The package is reached through
  /// /srv, bound before /tmp is replaced.
  static let hardeningScript = """
    #!/bin/sh
    set -eu
    package=$1; shift
    mount --bind "$package" /srv
    awk '{print $5}' /proc/self/mountinfo | grep -Ev '^/(proc|sys|dev)(/|$)' | sort -u | while read -r point; do
      mount -o remount,bind,ro "$point" 2>/dev/null || true
    done
    mount -t tmpfs -o mode=1777 tmpfs /tmp
    for home in /home /root; do if [ -d "$home" ]; then mount -t tmpfs -o ro tmpfs "$home"; fi; done
    mount -t tmpfs -o mode=755 tmpfs /dev
    mknod -m 666 /dev/null c 1 3; mknod -m 666 /dev/zero c 1 5; mknod -m 666 /dev/full c 1 7
    mknod -m 666 /dev/random c 1 8; mknod -m 666 /dev/urandom c 1 9
    if touch /usr/.hardening-probe 2>/dev/null || touch /var/.hardening-probe 2>/dev/null; then
      echo "hardening: the system is writable" >&2; exit 1
    fi
    exec setpriv --reuid=distccd --regid="$(id -g distccd)" --clear-groups --no-new-privs \\
      --bounding-set=-all --inh-caps=-all /srv/usr/bin/distccd "$@"
    """

  static func hasUser(_ name: String) -> Bool { getpwnam(name) != nil }

  // MARK: Maintainer scripts

  @Test(
    "postinst, the trigger, prerm and postrm in a temporary root: user and links made and removed, idempotently",
    .enabled(if: deb != nil && isRoot, Comment(rawValue: skipMessage)))
  func maintainerScripts() throws {
    let deb = try #require(Self.deb)
    // Other tests may add users meanwhile: compare the real distccd entry only.
    func realDistccd() throws -> [Substring] {
      try readText("/etc/passwd").split(separator: "\n").filter { $0.hasPrefix("distccd:") }
    }
    let realUser = try realDistccd()
    let root = try Unpacked(deb)
    let realLinks = root.directory.list("/usr/lib/distcc")
    let control = try TestDirectory(prefix: "swift-distcc-control-")
    _ = try run(["dpkg-deb", "--control", deb, control.path])
    let dir = root.directory
    try dir.write("etc/passwd", "root:x:0:0:root:/root:/bin/bash\n")
    try dir.write("etc/group", "root:x:0:\nnogroup:x:65534:\n")
    try dir.write("etc/shadow", "root:*:19000:0:99999:7:::\n", mode: 0o640)
    try dir.write("etc/gshadow", "root:*::\nnogroup:*::\n", mode: 0o640)
    for compiler in ["cc", "c++", "gcc", "g++", "gcc-12"] {
      try dir.write("usr/bin/\(compiler)", "#!/bin/sh\n", mode: 0o755)
    }
    try dir.write("usr/bin/ld", "#!/bin/sh\n", mode: 0o755)
    try dir.makeDirectories("usr/lib/gcc/x86_64-linux-gnu/12")
    try dir.write("usr/lib/distcc/README.admin", "not ours\n")
    func script(_ name: String, _ arguments: String...) throws {
      let result = try TestProcess.run(
        [control.appending(name)] + arguments,
        environment: ["DPKG_ROOT": dir.path, "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"])
      #expect(result.exitCode == 0, "\(name) \(arguments): \(result)")
    }
    func users() throws -> [Substring] {
      try readText(dir.appending("etc/passwd")).split(separator: "\n").filter {
        $0.hasPrefix("distccd:")
      }
    }
    func links() -> [String] {
      dir.list("usr/lib/distcc").filter { name in
        var buffer = [UInt8](repeating: 0, count: 64)
        let length = readlink(dir.appending("usr/lib/distcc/\(name)"), &buffer, 64)
        return length > 0
          && String(decoding: buffer.prefix(length), as: UTF8.self) == "../../bin/distcc"
      }
    }

    for _ in 0..<2 { try script("postinst", "configure", "") }
    #expect(try users().count == 1)
    #expect(try users().first?.hasSuffix(":/nonexistent:/usr/sbin/nologin") == true)
    #expect(dir.exists("var/lib/swift-distcc/created-user"))
    #expect(links() == ["c++", "cc", "g++", "gcc", "gcc-12"])

    // A new GCC arrives and an old one goes: dpkg runs the trigger.
    try dir.write("usr/bin/gcc-13", "#!/bin/sh\n", mode: 0o755)
    try dir.makeDirectories("usr/lib/gcc/x86_64-linux-gnu/13")
    unlink(dir.appending("usr/bin/gcc-12"))
    try script("postinst", "triggered", "/usr/lib/gcc")
    #expect(links() == ["c++", "cc", "g++", "gcc", "gcc-13"])

    // An upgrade keeps everything; removal takes the links (not the administrator's file) and purge the
    // user, each twice.
    try script("prerm", "upgrade", Self.version)
    #expect(links().count == 5)
    for _ in 0..<2 { try script("prerm", "remove") }
    #expect(links().isEmpty)
    #expect(dir.list("usr/lib/distcc") == ["README.admin"])
    for _ in 0..<2 { try script("postrm", "remove") }
    #expect(try users().count == 1)
    for _ in 0..<2 { try script("postrm", "purge") }
    #expect(try users().isEmpty)
    #expect(!(try readText(dir.appending("etc/group")).contains("distccd:")))
    #expect(!dir.exists("var/lib/swift-distcc"))

    // A distccd user that was there before (Debian's distcc made it) is kept on purge.
    try dir.write(
      "etc/passwd", "root:x:0:0:root:/root:/bin/bash\ndistccd:x:120:65534::/:/usr/sbin/nologin\n")
    try script("postinst", "configure", "")
    #expect(!dir.exists("var/lib/swift-distcc/created-user"))
    try script("prerm", "remove")
    try script("postrm", "purge")
    #expect(try users() == ["distccd:x:120:65534::/:/usr/sbin/nologin"])

    // The real system was not touched.
    #expect(try realDistccd() == realUser)
    #expect(dir.list("/usr/lib/distcc") == realLinks)
  }

  @Test(
    "update-distcc-symlinks makes the links Debian's made for this machine's compilers",
    .enabled(
      if: deb != nil && access("/usr/sbin/update-distcc-symlinks", X_OK) == 0,
      Comment(rawValue: skipMessage)))
  func symlinksMatchDebian() throws {
    let root = try Unpacked(try #require(Self.deb))
    // A root whose compilers are this machine's (read through links) and whose /usr/lib/distcc is its own.
    let world = try TestDirectory(prefix: "swift-distcc-links-")
    try world.makeDirectories("usr/lib/x86_64-linux-gnu")
    try world.makeDirectories("usr/lib/distcc")
    symlink("/usr/bin", world.appending("usr/bin"))
    symlink("/usr/lib/gcc", world.appending("usr/lib/gcc"))
    symlink("/usr/lib/gcc-cross", world.appending("usr/lib/gcc-cross"))
    symlink("/usr/lib/x86_64-linux-gnu/gcc", world.appending("usr/lib/x86_64-linux-gnu/gcc"))
    let result = try TestProcess.run(
      [root.path("/usr/sbin/update-distcc-symlinks"), "--verbose"],
      environment: ["DPKG_ROOT": world.path, "PATH": "/usr/bin:/bin"])
    #expect(result.exitCode == 0, "\(result)")
    #expect(world.list("usr/lib/distcc") == world.list("/usr/lib/distcc"))
    #expect(!world.list("usr/lib/distcc").isEmpty)
  }

  @Test(
    "--idle-exit without sockets from systemd is ignored with a warning; a negative value exits 101"
  )
  func idleExitWithoutSocketActivation() throws {
    let bad = try TestProcess.run([Binaries.ours("distccd"), "--idle-exit=-1"])
    #expect(bad.exitCode == 101, "\(bad)")
    #expect(
      bad.stderr == "distccd: ERROR: --idle-exit argument must be 0 or more seconds\n", "\(bad)")

    let world = try CompileWorld()
    let endpoint = try LoopbackAddress.pick()
    let (address, port) = (endpoint.address, endpoint.port)
    let daemon = try BackgroundProcess(
      [
        Binaries.ours("distccd"), "--daemon", "--no-detach", "--log-stderr", "--idle-exit=1",
        "--listen", address, "--port", String(port),
      ], logPath: world.directory.appending("daemon.log"))
    defer { daemon.stop() }
    try Wait.require("distccd on \(address):\(port)") { LoopbackAddress.isListening(address, Int(port)) }
    #expect(
      daemon.log().contains(
        "Warning: --idle-exit is ignored: no listening sockets from systemd (LISTEN_FDS)"))
    usleep(2_000_000)  // twice --idle-exit: an absence to observe, no event to wait for
    #expect(daemon.isRunning, "\(daemon.log())")
    try world.compile(with: Binaries.ours("distcc"), host: "\(address):\(port)", output: "x.o")
  }

  // MARK: Man pages and completion (from the repository: no package needed)

  static let manPages = [
    "distcc.1", "distccd.1", "distccmon-text.1", "distccmon-web.1", "update-distcc-symlinks.8",
    "distcc-pump.1", "distcc-include-server.1",
  ]

  @Test("man --warnings renders every page without a warning", arguments: manPages)
  func manPageRendersCleanly(page: String) throws {
    let result = try render(page)
    #expect(result.exitCode == 0, "\(result)")
    #expect(result.stderr.isEmpty, "\(page): \(result.stderr)")
    #expect(result.stdout.contains("NAME"))
  }

  @Test(
    "every option and environment variable --help prints is in the man page",
    arguments: [
      ("distcc", ["--help"]), ("distccd", ["--help"]), ("distccmon-web", ["--help"]),
      ("distccmon-text", ["too", "many"]), ("distcc-pump", ["--help"]),
    ])
  func manPageCoversHelp(program: String, arguments: [String]) throws {
    let help = try TestProcess.run([Binaries.ours(program)] + arguments)
    let helpText = help.stdout + help.stderr
    let mentioned = Self.names(in: helpText)
    if program != "distccmon-text" { #expect(!mentioned.isEmpty, "\(helpText)") }
    let page = Set(Self.words(in: try render("\(program).1").stdout))
    let missing = mentioned.filter { !page.contains($0) }
    #expect(missing.isEmpty, "\(program)(1) does not mention \(missing.sorted())")
    if program == "distccmon-text" { #expect(page.contains("DELAY")) }
  }

  @Test(
    "bash completion offers every distccd option, log levels, and the monitors' options",
    .enabled(if: access("/usr/share/bash-completion/bash_completion", R_OK) == 0))
  func bashCompletion() throws {
    func complete(_ line: String) throws -> [String] {
      let words = line.split(separator: " ", omittingEmptySubsequences: false).map { "'\($0)'" }
      let function = [
        "distccd": "_distccd", "distcc": "_distcc", "distccmon-web": "_distccmon_web",
      ][
        String(line.prefix { $0 != " " })]!
      let script = """
        source /usr/share/bash-completion/bash_completion
        source \(Binaries.packageRoot)/Packaging/bash-completion/distcc
        COMP_WORDS=(\(words.joined(separator: " "))); COMP_CWORD=\(words.count - 1)
        COMP_LINE='\(line)'; COMP_POINT=${#COMP_LINE}
        \(function) \(String(line.prefix { $0 != " " })) "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        printf '%s\\n' "${COMPREPLY[@]}"
        """
      let result = try TestProcess.run(["bash", "-c", script])
      #expect(result.exitCode == 0, "\(result)")
      return result.stdout.split(separator: "\n").map(String.init)
    }
    let offered = Set(try complete("distccd -"))
    let help = try TestProcess.run([Binaries.ours("distccd"), "--help"]).stdout
    let options = Self.names(in: help).filter { $0.hasPrefix("-") }
    #expect(
      options.subtracting(offered).isEmpty,
      "not completed: \(options.subtracting(offered).sorted())")
    #expect(
      try complete("distccd --log-level ") == [
        "emerg", "alert", "critical", "error", "warning", "notice", "info", "debug",
      ])
    #expect(try complete("distccd --idle") == ["--idle-exit"])
    #expect(
      Set(try complete("distccmon-web --")) == [
        "--listen", "--port", "--daemon-stats", "--window", "--help",
      ])
    #expect(try complete("distcc --show-h") == ["--show-hosts"])
  }

  /// Options (`-j`, `--idle-exit`) and environment variables (`DISTCC_DIR`, `LISTEN_FDS`) in `text`.
  static func names(in text: String) -> Set<String> {
    Set(
      words(in: text).filter { word in
        (word.hasPrefix("-") && word.count > 1
          && word.dropFirst().first { $0 != "-" }?.isLetter == true)
          || (word.contains("_") && word == word.uppercased() && word.first?.isLetter == true)
      })
  }

  /// `text` split at everything but letters, digits, `_` and `-`.
  static func words(in text: String) -> [String] {
    text.split { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }.map(String.init)
  }

  /// `man --warnings -l` of a page in Docs/man, without hyphenation (so that no word is split).
  func render(_ page: String) throws -> CommandResult {
    try TestProcess.run(
      ["man", "--warnings", "-l", "\(Binaries.packageRoot)/Docs/man/\(page)"],
      environment: [
        "LC_ALL": "C.UTF-8", "MANWIDTH": "100", "MANROFFOPT": "-rHY=0", "MAN_KEEP_FORMATTING": "",
        "PATH": "/usr/bin:/bin", "MANPAGER": "cat", "PAGER": "cat",
      ])
  }
}

// MARK: Helpers

/// The package unpacked with `dpkg-deb -x` into a temporary directory (never installed).
final class Unpacked: @unchecked Sendable {  // immutable after init
  let directory: TestDirectory

  init(_ deb: String) throws {
    directory = try TestDirectory(prefix: "swift-distcc-root-")
    // The daemon drops root to distccd when the tests run as root: it must reach the binaries.
    chmod(directory.path, 0o755)
    _ = try run(["dpkg-deb", "--extract", deb, directory.path])
  }

  /// `absolute` inside the unpacked root.
  func path(_ absolute: String) -> String { directory.path + absolute }
}

/// A source file, a local reference object, and compiles through distcc with `DISTCC_FALLBACK=0`.
final class CompileWorld: @unchecked Sendable {  // immutable after init
  let directory: TestDirectory

  init() throws {
    directory = try TestDirectory(prefix: "swift-distcc-pkg-")
    try directory.write("hello.c", "int twice(int x) { return 2 * x; }\n")
    try directory.makeDirectories("distcc")
  }

  /// Compiles `source` through `client` on `host` only, and checks the object is the local compiler's.
  func compile(
    with client: String, host: String, output: String, compiler: String = "gcc",
    source: String = "hello.c"
  ) throws {
    let environment = [
      "DISTCC_HOSTS": host, "DISTCC_FALLBACK": "0", "DISTCC_DIR": directory.appending("distcc"),
      "PATH": "/usr/bin:/bin", "HOME": directory.path,
    ]
    let remote = try TestProcess.run(
      [client, compiler, "-O2", "-c", source, "-o", output], environment: environment,
      directory: directory.path)
    #expect(remote.exitCode == 0, "\(client) on \(host): \(remote)")
    let local = try TestProcess.run(
      [compiler, "-O2", "-c", source, "-o", "local-\(output)"], directory: directory.path)
    #expect(local.exitCode == 0, "\(local)")
    #expect(
      try directory.read(output) == directory.read("local-\(output)"),
      "\(output) differs from a local compile")
  }
}

private func run(_ arguments: [String]) throws -> String {
  let result = try TestProcess.run(arguments, timeout: 300)
  guard result.exitCode == 0 else { throw CommandFailed(description: "\(result)") }
  return result.stdout
}

private func readText(_ path: String) throws -> String {
  String(decoding: try FileContents.read(path), as: UTF8.self)
}

extension String {
  fileprivate func trimmed() -> String {
    String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
  }
}
