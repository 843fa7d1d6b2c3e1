import CompilerArgs
import DistPosix
import SystemPackage

/// The local preprocessor of one job (client.md §5.1): `compiler -E …` started in the background in its own
/// process group, stdin `/dev/null`, stderr the client's, stdout a pipe read straight into memory (no temp
/// file). The output is kept, so a retry on another host does not preprocess again.
final class Preprocessor {
  private var child: ChildProcess?
  private var pipe: FileDescriptor?
  private var result: Result?
  private var configuration: ClientConfiguration?
  /// The local "cpp" slot held while the preprocessor runs; released as soon as it has finished.
  var slot: HostReservation?

  /// What the preprocessor produced.
  enum Result {
    case success([UInt8])
    /// cpp failed: its 3.4 job result (exit code or 128 + signal).
    case failed(Int32)
  }

  /// The largest preprocessed source accepted (far above any real translation unit).
  static let outputLimit = 1 << 31

  /// Starts `arguments`.
  init(arguments: [String], configuration: ClientConfiguration) throws(ClientError) {
    let ends: (read: FileDescriptor, write: FileDescriptor)
    do {
      ends = try Pipe.make()
    } catch {
      throw .system(operation: "pipe", path: nil, errno: (error.errno ?? .ioError).rawValue)
    }
    defer { ends.write.closeIgnoringErrors() }
    do {
      child = try Spawn.start(
        arguments, configuration: configuration, nullInput: true, standardOutput: ends.write,
        newProcessGroup: true)
    } catch {
      ends.read.closeIgnoringErrors()
      throw error
    }
    pipe = ends.read
    self.configuration = configuration
  }

  /// Already-preprocessed input read from a file (`.i`, `.ii`, …).
  init(preprocessed bytes: [UInt8]) {
    result = .success(bytes)
  }

  deinit {
    pipe?.closeIgnoringErrors()
    if let child {
      configuration?.cancellation?.forget(child)
      child.sendToGroup(Signals.terminate)
      _ = try? child.reap()
    }
  }

  /// Reads the preprocessor's output to the end and waits for it; later calls return the same result.
  func finish() throws(ClientError) -> Result {
    if let result { return result }
    guard let pipe, let child else { return .failed(1) }
    let output: [UInt8]
    do {
      output = try pipe.readToEnd(
        limit: Self.outputLimit, deadline: .never, operation: "read from preprocessor")
    } catch {
      throw .system(
        operation: "read from preprocessor", path: nil, errno: (error.errno ?? .ioError).rawValue)
    }
    pipe.closeIgnoringErrors()
    self.pipe = nil
    let status =
      (configuration.flatMap { try? Spawn.settle(child, configuration: $0) })?.result ?? 1
    self.child = nil
    slot?.release()
    slot = nil
    let finished: Result = status == 0 ? .success(output) : .failed(status)
    result = finished
    return finished
  }
}
