public import DistPosix
import Glibc
import SystemPackage

/// What a finished command printed and how it ended.
public struct CommandResult: Sendable, CustomStringConvertible {
  public let status: ProcessStatus
  public let standardOutput: [UInt8]
  public let standardError: [UInt8]

  /// The exit code (128 + signal if it was killed).
  public var exitCode: Int32 { status.exitCode ?? 128 + (status.signal ?? 0) }
  public var stdout: String { String(decoding: standardOutput, as: UTF8.self) }
  public var stderr: String { String(decoding: standardError, as: UTF8.self) }

  public var description: String {
    "\(status); stdout: \(stdout.debugDescription); stderr: \(stderr.debugDescription)"
  }
}

/// Runs programs for tests: to completion with captured output, or in the background until stopped.
public enum TestProcess {
  /// Runs `arguments[0]` (a path, or a name looked up in PATH) to completion and captures its output.
  ///
  /// - Parameters:
  ///   - environment: the whole environment of the child (`nil` inherits the test's).
  ///   - input: bytes written to its standard input (then closed).
  ///   - timeout: seconds after which the child is killed and the call throws.
  public static func run(
    _ arguments: [String], environment: [String: String]? = nil, directory: String? = nil,
    input: [UInt8] = [], timeout: Int = 120
  ) throws -> CommandResult {
    // A child that exits without reading all of `input` must fail the write (EPIPE), not kill the test run.
    if !input.isEmpty { signal(SIGPIPE, SIG_IGN) }
    let (inRead, inWrite) = try Pipe.make()
    let (outRead, outWrite) = try Pipe.make()
    let (errRead, errWrite) = try Pipe.make()
    var request = SpawnRequest(
      executable: arguments[0], arguments: arguments.map { Array($0.utf8) },
      environment: environment.map(Self.environmentEntries),
      standardInput: inRead, standardOutput: outWrite, standardError: errWrite,
      workingDirectory: directory, newProcessGroup: true, searchPath: true)
    request.searchPath = true
    let child: ChildProcess
    do {
      child = try ChildProcess.spawn(request)
    } catch {
      for fd in [inRead, inWrite, outRead, outWrite, errRead, errWrite] { fd.closeIgnoringErrors() }
      throw error
    }
    for fd in [inRead, outWrite, errWrite] { fd.closeIgnoringErrors() }
    let deadline = Deadline.after(seconds: timeout)
    // Feed input and drain both outputs together, so that no pipe fills up and blocks the child.
    try inWrite.setNonBlocking(true)
    var pendingInput = input[...]
    if pendingInput.isEmpty { inWrite.closeIgnoringErrors() }
    var out: [UInt8] = []
    var err: [UInt8] = []
    var open: [(FileDescriptor, Int)] = [(outRead, 1), (errRead, 2)]
    var buffer = [UInt8](repeating: 0, count: 65536)
    while !open.isEmpty || !pendingInput.isEmpty {
      var watched = open.map { ($0.0, PollEvents.readable) }
      if !pendingInput.isEmpty { watched.append((inWrite, .writable)) }
      let events = try Poll.wait(watched, deadline: deadline)
      if events.allSatisfy({ $0.isEmpty }) {
        child.sendToGroup(SIGKILL)
        _ = try? child.reap()
        for (fd, _) in open { fd.closeIgnoringErrors() }
        if !pendingInput.isEmpty { inWrite.closeIgnoringErrors() }
        throw PosixError.timedOut(operation: "run \(arguments.joined(separator: " "))")
      }
      if !pendingInput.isEmpty, !events[events.count - 1].isEmpty {
        let written = pendingInput.withUnsafeBytes {
          write(inWrite.rawValue, $0.baseAddress, $0.count)
        }
        if written > 0 { pendingInput = pendingInput.dropFirst(written) }
        if written < 0 && errno != EAGAIN { pendingInput = [] }
        if pendingInput.isEmpty { inWrite.closeIgnoringErrors() }
      }
      var stillOpen: [(FileDescriptor, Int)] = []
      for (index, entry) in open.enumerated() {
        guard !events[index].isEmpty else {
          stillOpen.append(entry)
          continue
        }
        let count = buffer.withUnsafeMutableBytes {
          read(entry.0.rawValue, $0.baseAddress, $0.count)
        }
        if count > 0 {
          if entry.1 == 1 { out += buffer[..<count] } else { err += buffer[..<count] }
          stillOpen.append(entry)
        } else if count < 0 && errno == EINTR {
          stillOpen.append(entry)
        } else {
          entry.0.closeIgnoringErrors()
        }
      }
      open = stillOpen
    }
    guard let status = try child.wait(deadline: deadline) else {
      child.sendToGroup(SIGKILL)
      _ = try? child.reap()
      throw PosixError.timedOut(operation: "wait for \(arguments[0])")
    }
    return CommandResult(status: status, standardOutput: out, standardError: err)
  }

  /// `KEY=VALUE` entries for a spawn request.
  public static func environmentEntries(_ environment: [String: String]) -> [[UInt8]] {
    environment.sorted { $0.key < $1.key }.map { Array("\($0.key)=\($0.value)".utf8) }
  }
}
