import DistPosix
import DistProtocol
internal import Glibc  // getppid, exit: the detaching parent
import ServerCore
import SystemPackage

/// Leaving the terminal without `fork` and without a window where the port is closed.
///
/// The foreground `distccd --daemon` binds its sockets, then starts itself again in a new session
/// (`posix_spawn` with `POSIX_SPAWN_SETSID`), handing the bound sockets over as systemd would
/// (`ListenDescriptors`: descriptors 3 and up, `LISTEN_FDS`) and keeping the other end of a pipe that is the
/// child's stderr. The child writes its start-up errors there, then, once it serves (pid file written,
/// privileges dropped), one NUL byte, and moves its stderr to `/dev/null`. The foreground process relays what
/// came before the NUL and exits 0, or, if the pipe closes without one, exits with the child's status: a
/// script that runs a compile right after `distccd --daemon` is served, and a daemon that cannot start says
/// why where it was started.
enum DetachedStart {
  /// Set in the detached child's environment to the pid of the process that started it.
  static let variable = "_DISTCCD_DETACHED"
  /// How long the foreground process waits for the child to report.
  static let readinessTimeout = 60

  /// Starts the detached copy serving `sockets` and exits with its start-up outcome.
  static func detach(sockets: ListeningSockets, environment: [String: String]) -> Never {
    var childEnvironment = environment
    // A socket-activated parent's own LISTEN_PID names the parent: the child would refuse the handover.
    for name in ListenDescriptors.variables { childEnvironment.removeValue(forKey: name) }
    childEnvironment.merge(ListenDescriptors.environment(names: sockets.named.map(\.name))) { $1 }
    childEnvironment[variable] = String(getpid())
    let child: ChildProcess
    let report: FileDescriptor
    do {
      let null = try FileDescriptor.open("/dev/null", .readWrite, options: .closeOnExec)
      defer { null.closeIgnoringErrors() }
      let (readEnd, writeEnd) = try Pipe.make()
      defer { writeEnd.closeIgnoringErrors() }
      var request = SpawnRequest(
        executable: "/proc/self/exe", arguments: CommandLine.arguments.map { Array($0.utf8) },
        environment: childEnvironment.map { Array("\($0.key)=\($0.value)".utf8) },
        standardInput: null, standardOutput: null, standardError: writeEnd, newSession: true)
      request.inheritedDescriptors = sockets.named.map(\.descriptor)
      child = try ChildProcess.spawn(request)
      report = readEnd
    } catch {
      DaemonMessages.fail(
        "failed to detach: \(error)", ServerError.detachFailed(reason: "").exitCode)
    }
    exit(awaitReadiness(of: child, on: report))
  }

  /// Relays the child's report; 0 once it is ready, else its exit status (105 if it neither reports nor
  /// exits in time, after killing it).
  private static func awaitReadiness(of child: ChildProcess, on report: FileDescriptor) -> Int32 {
    let deadline = Deadline.after(seconds: readinessTimeout)
    while true {
      let bytes: [UInt8]
      do { bytes = try report.readSome(upTo: 4096, deadline: deadline) } catch {
        child.send(SIGKILL)
        _ = try? child.wait(deadline: .after(seconds: 5))
        DaemonMessages.write("distccd: ERROR: the detached daemon did not start: \(error)\n")
        return ExitCode.outOfMemory.rawValue
      }
      if let end = bytes.firstIndex(of: 0) {
        DaemonMessages.write(String(decoding: bytes[..<end], as: UTF8.self))
        return 0
      }
      if bytes.isEmpty { break }
      DaemonMessages.write(String(decoding: bytes, as: UTF8.self))
    }
    guard let status = try? child.wait(deadline: .after(seconds: 10)) else {
      return ExitCode.outOfMemory.rawValue
    }
    return status.exitCode ?? 128 + (status.signal ?? 0)
  }

  /// In the detached child: whether this process is one (started by `parent`, still waiting).
  static func isDetachedChild(environment: [String: String]) -> Bool {
    environment[variable] == String(getppid())
  }

  /// In the detached child: tells the waiting parent it serves, and leaves stderr for `/dev/null`.
  static func reportReady() {
    _ = try? StandardStreams.error.writeAll([0])
    if let null = try? FileDescriptor.open("/dev/null", .writeOnly, options: .closeOnExec) {
      _ = try? null.duplicate(as: StandardStreams.error)
      null.closeIgnoringErrors()
    }
  }
}
