internal import Glibc
public import SystemPackage

/// Runs a short command (`cc -dumpversion`) and returns what it printed.
public enum CommandOutput {
  /// Which of a command's streams make up its answer.
  public enum Streams: Sendable {
    /// stdout only (stderr is inherited).
    case standardOutput
    /// stdout and stderr through one pipe, in the order written: a driver's `-###` transcript.
    case standardOutputAndError
  }

  /// What a command reads as its standard input.
  public enum Input: Sendable {
    /// Nothing (`/dev/null`, read only): a command that reads its input (`cc -### -E -x c -` run on a script
    /// that ignores `-###`) sees its end at once instead of waiting on the caller's terminal until the deadline.
    case empty
    /// The caller's own standard input.
    case inherited
  }

  /// The first line `arguments` prints on stdout (the program searched on `PATH` when it has no slash), or nil
  /// if it cannot start, fails, prints nothing or takes more than `seconds`.
  public static func firstLine(_ arguments: [String], input: Input = .empty, seconds: Int = 10)
    -> String?
  {
    output(arguments, streams: .standardOutput, input: input, seconds: seconds).flatMap(
      firstLine(of:))
  }

  /// What `arguments` prints on `streams` (at most 64 KiB), reading `input`, or nil if it cannot start,
  /// fails or takes more than `seconds`.
  public static func output(
    _ arguments: [String], streams: Streams, input: Input = .empty, seconds: Int = 10
  ) -> [UInt8]? {
    var empty: FileDescriptor?
    if input == .empty {
      guard let null = try? FileDescriptor.open("/dev/null", .readOnly, options: [.closeOnExec])
      else { return nil }
      empty = null
    }
    defer { try? empty?.close() }
    guard let (read, write) = try? Pipe.make() else { return nil }
    defer { try? read.close() }
    // Standard error that is not asked for is not the answer, nor the user's business (`clang
    // -dumpfullversion`: "no input files" on every first compile).
    let discard =
      streams == .standardOutput
      ? try? FileDescriptor.open("/dev/null", .writeOnly, options: [.closeOnExec]) : nil
    defer { try? discard?.close() }
    var request = SpawnRequest(executable: arguments[0], arguments: arguments)
    request.searchPath = true
    request.standardInput = empty
    request.standardOutput = write
    request.standardError = streams == .standardOutputAndError ? write : discard
    request.newProcessGroup = true
    let child = try? ChildProcess.spawn(request)
    try? write.close()
    guard let child else { return nil }
    return output(from: read, of: child, seconds: seconds)
  }

  /// What `child` writes to `read` (at most 64 KiB; the reading end of a pipe whose writing end the caller
  /// closed), once it has exited with status 0; nil otherwise.
  ///
  /// `child` must lead a process group of its own (`SpawnRequest.newProcessGroup`): when it has exited, or
  /// after `seconds` if it has not, the whole group is killed before the child is reaped (its pid, and so
  /// the group's id, cannot be reused until then), so nothing it started outlives the question, and a
  /// process it left holding the pipe cannot stretch the wait: the answer is what the pipe held then.
  public static func output(from read: FileDescriptor, of child: ChildProcess, seconds: Int)
    -> [UInt8]?
  {
    let deadline = Deadline.after(seconds: seconds)
    var output: [UInt8] = []
    var readOpen = true
    var exited = false
    while !exited && !deadline.hasPassed {
      let watched: [(FileDescriptor, PollEvents)] =
        readOpen ? [(child.pidfd, .readable), (read, .readable)] : [(child.pidfd, .readable)]
      guard let events = try? Poll.wait(watched, deadline: deadline) else { break }
      if readOpen && !events[1].isEmpty { readOpen = take(from: read, into: &output) }
      exited = !events[0].isEmpty
    }
    child.sendToGroup(SIGKILL)
    guard let status = try? child.reap(), exited, status.exitCode == 0 else { return nil }
    // What it wrote just before it exited (nothing can block now: the pipe's writers are gone or killed).
    while readOpen, (try? Poll.wait([(read, .readable)], deadline: .now))?.first?.isEmpty == false {
      readOpen = take(from: read, into: &output)
    }
    return output
  }

  /// The first line of `output` (up to its first newline), or nil when that line is empty.
  public static func firstLine(of output: [UInt8]) -> String? {
    let line =
      output.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).first ?? []
    let text = String(decoding: line, as: UTF8.self)
    return text.isEmpty ? nil : text
  }

  /// Appends one read's worth of `read` to `output` (at most 64 KiB in all); false once the pipe is at its
  /// end, failed, or `output` is full.
  private static func take(from read: FileDescriptor, into output: inout [UInt8]) -> Bool {
    let room = (1 << 16) - output.count
    guard room > 0, let bytes = try? read.readSome(upTo: Swift.min(room, 4096), deadline: .now),
      !bytes.isEmpty
    else { return false }
    output += bytes
    return true
  }
}
