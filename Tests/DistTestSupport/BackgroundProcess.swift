public import DistPosix
public import Glibc
import SystemPackage

/// A program a test started in the background (a daemon), stopped by its pid when the test ends.
///
/// Its standard output and error go to a log file, which `log()` reads. `deinit` kills it if the test did
/// not stop it, so a failing test never leaves a daemon behind.
public final class BackgroundProcess: @unchecked Sendable {  // `child` is only touched from one test
  public let pid: Int32
  /// The file receiving the process's standard output and error.
  public let logPath: String
  private var child: ChildProcess?
  private var finalStatus: ProcessStatus?

  /// Starts `arguments[0]` with the whole `environment` (nil inherits the test's).
  public init(
    _ arguments: [String], environment: [String: String]? = nil, directory: String? = nil,
    logPath: String
  ) throws {
    self.logPath = logPath
    let fd = try FileDescriptor.open(
      FilePath(logPath), .writeOnly, options: [.create, .truncate, .closeOnExec],
      permissions: [.ownerReadWrite, .groupRead, .otherRead])
    defer { fd.closeIgnoringErrors() }
    let (inRead, inWrite) = try Pipe.make()
    defer { inRead.closeIgnoringErrors() }
    inWrite.closeIgnoringErrors()
    let child = try ChildProcess.spawn(
      SpawnRequest(
        executable: arguments[0], arguments: arguments.map { Array($0.utf8) },
        environment: environment.map(TestProcess.environmentEntries), standardInput: inRead,
        standardOutput: fd, standardError: fd, workingDirectory: directory,
        newProcessGroup: true, searchPath: true))
    self.child = child
    self.pid = child.pid
  }

  deinit {
    if let child {
      child.sendToGroup(SIGKILL)
      _ = try? child.reap()
    }
  }

  /// What the process wrote so far.
  public func log() -> String {
    String(decoding: (try? FileContents.read(logPath)) ?? [], as: UTF8.self)
  }

  /// Sends `signal` to the process (by pid).
  public func send(_ signal: Int32) {
    child?.send(signal)
  }

  /// Whether the process is still running.
  public var isRunning: Bool {
    guard let child else { return false }
    if let status = try? child.wait(deadline: .after(milliseconds: 0)) {
      finalStatus = status
      self.child = nil
      return false
    }
    return true
  }

  /// Waits up to `timeout` seconds for the process to exit by itself.
  public func waitForExit(timeout: Int = 30) throws -> ProcessStatus {
    if let finalStatus { return finalStatus }
    guard let child else { throw PosixError.endOfFile(operation: "wait: not running") }
    guard let status = try child.wait(deadline: .after(seconds: timeout)) else {
      throw PosixError.timedOut(operation: "wait for pid \(pid)")
    }
    self.child = nil
    finalStatus = status
    return status
  }

  /// Stops the process: `signal` (SIGTERM by default), then SIGKILL to its group after `grace` seconds.
  @discardableResult
  public func stop(signal: Int32 = SIGTERM, grace: Int = 10) -> ProcessStatus? {
    guard let child else { return finalStatus }
    child.send(signal)
    var status = try? child.wait(deadline: .after(seconds: grace))
    if status == nil {
      child.sendToGroup(SIGKILL)
      status = try? child.reap()
    } else {
      // Also stop whatever the process left in its group (workers, compilers).
      kill(-pid, SIGKILL)
    }
    self.child = nil
    finalStatus = status
    return status
  }

  /// Waits until `log()` contains `text`, or `timeout` seconds pass.
  public func waitForLog(_ text: String, timeout: Int = 20) throws {
    try Wait.require("\(text.debugDescription) in log: \(log())", seconds: Double(timeout)) {
      log().contains(text)
    }
  }
}
