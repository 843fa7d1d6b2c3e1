import DistPosix
import SystemPackage

/// `$DISTCC_DIR/zeroconf/`: distcc 3.4's discovery cache, shared with 3.4 clients of the same user.
///
/// A helper process (forked by the first client that finds none, holding a write lock on `lock`) browses
/// DNS-SD and rewrites `hosts` with one `ADDR:PORT/JOBS` line per daemon whenever the set changes; clients
/// read `hosts` under a read lock, so a build of thousands of jobs browses once. The helper exits once no
/// client has used the cache for ``idleSeconds``. See `Docs/zeroconf.md`.
public struct ZeroconfCache: Sendable {
  /// The helper's idle time before it exits (3.4: 20 s).
  public static let idleSeconds = 20
  /// How long a client waits for a helper it started to answer (3.4 sleeps 1 s; ours returns as soon as the
  /// browse has settled).
  public static let firstAnswerMilliseconds: Int64 = 2000

  /// `$DISTCC_DIR/zeroconf`.
  public let directory: String
  public var lockPath: String { directory + "/lock" }
  public var hostsPath: String { directory + "/hosts" }

  public init(distccDirectory: String) {
    directory = distccDirectory + "/zeroconf"
  }

  /// The discovered hosts as a host-list text (`hosts`), starting the browsing helper first if none runs.
  public func hosts() throws(ZeroconfError) -> [UInt8] {
    makeDirectory()
    let lock = try open(lockPath, .readWrite)
    var helperRuns = true
    do {
      helperRuns = !(try RecordLock.tryLock(lock))
      // Tell a running helper (ours) that the cache is in use; a 3.4 helper ignores this.
      if helperRuns { try? lock.touch() }
    } catch {
      try? lock.close()
      throw .system("\(lockPath): \(error.description)")
    }
    try? lock.close()  // releases the lock taken to test
    if !helperRuns { try startHelper() }
    let hosts = try open(hostsPath, .readOnly)
    defer { try? hosts.close() }
    do {
      try RecordLock.lockForReading(hosts)
      return try FileContents.read(hosts, upTo: 1 << 20)
    } catch { throw .system("\(hostsPath): \(error.description)") }
  }

  /// Creates `zeroconf/` in `$DISTCC_DIR` if missing (mode 0777 less the umask, as 3.4).
  private func makeDirectory() {
    let parent = String(directory.dropLast("/zeroconf".count))
    guard let fd = try? FileDescriptor.open(parent, .readOnly, options: [.directory, .closeOnExec])
    else { return }
    defer { try? fd.close() }
    try? fd.makeDirectory(at: "zeroconf", permissions: FilePermissions(rawValue: 0o777))
  }

  private func open(_ path: String, _ mode: FileDescriptor.AccessMode) throws(ZeroconfError)
    -> FileDescriptor
  {
    do {
      return try FileDescriptor.open(
        path, mode, options: [.create, .closeOnExec], permissions: FilePermissions(rawValue: 0o666))
    } catch { throw .system("open \(path): \(error)") }
  }

  /// Forks the helper and waits until its first answer is written (or it gave up).
  private func startHelper() throws(ZeroconfError) {
    let ready: (read: FileDescriptor, write: FileDescriptor)
    do { ready = try Pipe.make() } catch { throw .system(error.description) }
    defer { try? ready.read.close() }
    do {
      try DetachedFork.run(keeping: ready.write) { browse(ready: ready.write) }
    } catch {
      try? ready.write.close()
      throw .system(error.description)
    }
    try? ready.write.close()
    // A byte when the first answer is in `hosts`; end of file if the helper gave up.
    _ = try? Poll.wait(
      [(ready.read, .readable)], deadline: .after(milliseconds: Self.firstAnswerMilliseconds))
  }

  /// The helper: holds the lock, browses, rewrites `hosts` on every change, and exits when unused.
  private func browse(ready: FileDescriptor) {
    var ready: FileDescriptor? = ready
    defer { try? ready?.close() }
    guard let lock = try? open(lockPath, .readWrite), (try? RecordLock.tryLock(lock)) == true,
      let hosts = try? open(hostsPath, .readWrite)
    else { return }
    let type = CompilerTarget.probe()?.subtype ?? DistccService.type
    guard let browser = try? ServiceBrowser(type: type) else { return }
    let answerBy = Deadline.after(milliseconds: 1000)
    var idleSince = WallClock.seconds
    while true {
      let wait = ready == nil ? 1000 : min(250, max(1, answerBy.pollTimeout))
      guard let changed = try? browser.iterate(milliseconds: wait) else { return }
      if changed {
        write(browser.daemons, to: hosts)
        idleSince = WallClock.seconds
      }
      if let signal = ready, browser.settled || answerBy.hasPassed {
        if !changed { write(browser.daemons, to: hosts) }
        _ = try? signal.writeAll([UInt8(1)], deadline: .never)
        try? signal.close()
        ready = nil
      }
      let lastUse = max(idleSince, (try? lock.lastUsed()) ?? 0, (try? hosts.lastUsed()) ?? 0)
      if ready == nil && WallClock.seconds - lastUse > Self.idleSeconds { return }
    }
  }

  private func write(_ daemons: [DiscoveredDaemon], to hosts: FileDescriptor) {
    let text = daemons.map { $0.hostLine + "\n" }.joined()
    guard (try? RecordLock.lock(hosts)) != nil else { return }
    try? hosts.replaceContents(with: Array(text.utf8))
    try? RecordLock.unlock(hosts)
  }
}
