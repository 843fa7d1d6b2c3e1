import CompilerArgs
internal import Glibc

/// The local preprocessor of one job (client.md §5.1): `compiler -E …` started in the background in its own
/// process group, stdin `/dev/null`, stderr the client's, stdout a pipe read straight into memory (no temp
/// file). The output is kept, so a retry on another host does not preprocess again.
final class Preprocessor {
  private var child: ChildProcess?
  private var pipe: Int32 = -1
  private var result: Result?
  /// The local "cpp" slot held while the preprocessor runs; released as soon as it has finished.
  var slot: HostReservation?

  /// What the preprocessor produced.
  enum Result {
    case success([UInt8])
    /// cpp failed: its 3.4 job result (exit code or 128 + signal).
    case failed(Int32)
  }

  /// Starts `arguments`.
  init(arguments: [String], configuration: ClientConfiguration) throws(ClientError) {
    let (readEnd, writeEnd) = try makePipe()
    defer { close(writeEnd) }
    do {
      child = try ChildProcess.spawn(
        arguments, environment: configuration.childEnvironment(),
        searchPath: configuration.searchPath,
        stdin: .null, stdout: .descriptor(writeEnd), newProcessGroup: true)
    } catch {
      close(readEnd)
      throw error
    }
    pipe = readEnd
  }

  /// Already-preprocessed input read from a file (`.i`, `.ii`, …).
  init(preprocessed bytes: [UInt8]) {
    result = .success(bytes)
  }

  deinit {
    if pipe >= 0 { close(pipe) }
    if let child {
      child.kill(SIGTERM, group: true)
      _ = child.wait()
    }
  }

  /// Reads the preprocessor's output to the end and waits for it; later calls return the same result.
  func finish() throws(ClientError) -> Result {
    if let result { return result }
    var output: [UInt8] = []
    output.reserveCapacity(256 * 1024)
    var chunk = [UInt8](repeating: 0, count: 128 * 1024)
    while true {
      let count = chunk.withUnsafeMutableBytes { read(pipe, $0.baseAddress!, $0.count) }
      if count < 0 {
        if errno == EINTR { continue }
        throw .system(operation: "read from preprocessor", path: nil, errno: errno)
      }
      if count == 0 { break }
      output.append(contentsOf: chunk[..<count])
    }
    close(pipe)
    pipe = -1
    let status = ExitStatus(rawValue: child?.wait() ?? 0)
    child = nil
    slot?.release()
    slot = nil
    let finished: Result = status.result == 0 ? .success(output) : .failed(status.result)
    result = finished
    return finished
  }
}
