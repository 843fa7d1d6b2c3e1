internal import Glibc
public import SystemPackage

/// Runs a short command (`cc -dumpversion`) and returns what it printed.
public enum CommandOutput {
  /// The first line `arguments` prints on stdout (the program searched on `PATH` when it has no slash), or nil
  /// if it cannot start, fails, prints nothing or takes more than `seconds`.
  public static func firstLine(_ arguments: [String], seconds: Int = 10) -> String? {
    guard let (read, write) = try? Pipe.make() else { return nil }
    defer { try? read.close() }
    var request = SpawnRequest(executable: arguments[0], arguments: arguments)
    request.searchPath = true
    request.standardOutput = write
    let child = try? ChildProcess.spawn(request)
    try? write.close()
    guard let child else { return nil }
    return firstLine(from: read, of: child, seconds: seconds)
  }

  /// The first line `child` writes to `read` (the reading end of its stdout, whose writing end the caller
  /// closed), once it has exited with status 0; nil otherwise. A child still running after `seconds` is
  /// killed (and reaped) rather than waited for.
  public static func firstLine(from read: FileDescriptor, of child: ChildProcess, seconds: Int)
    -> String?
  {
    let deadline = Deadline.after(seconds: seconds)
    let output = (try? read.readToEnd(limit: 1 << 16, deadline: deadline)) ?? []
    guard let exited = try? child.wait(deadline: deadline) else {
      child.send(SIGKILL)
      _ = try? child.reap()
      return nil
    }
    guard exited.exitCode == 0 else { return nil }
    let line =
      output.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).first ?? []
    let text = String(decoding: line, as: UTF8.self)
    return text.isEmpty ? nil : text
  }
}
