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
  /// Whether this is a directives-only preprocessor (`-fdirectives-only`), whose standard error is held in
  /// an unlinked temporary file until the client knows it keeps the output (``keep()``): a directives-only
  /// run that is replaced by a full one must not print anything.
  let directivesOnly: Bool
  private var heldErrors: FileDescriptor?

  /// What the preprocessor produced.
  enum Result {
    case success([UInt8])
    /// cpp failed: its 3.4 job result (exit code or 128 + signal).
    case failed(Int32)
  }

  /// The largest preprocessed source accepted (far above any real translation unit).
  static let outputLimit = 1 << 31

  /// Starts `arguments`; `directivesOnly` holds back its standard error.
  init(arguments: [String], configuration: ClientConfiguration, directivesOnly: Bool = false)
    throws(ClientError)
  {
    self.directivesOnly = directivesOnly
    if directivesOnly {
      do throws(PosixError) {
        let (fd, path) = try TemporaryFiles.makeFile(
          in: configuration.temporaryDirectory, prefix: "distcc_cpp_err_")
        try? Paths.remove(path)
        heldErrors = fd
      } catch {
        throw .system(
          operation: "create temporary file", path: configuration.temporaryDirectory,
          errno: (error.errno ?? .ioError).rawValue)
      }
    }
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
        standardError: heldErrors, newProcessGroup: true)
    } catch {
      ends.read.closeIgnoringErrors()
      heldErrors?.closeIgnoringErrors()
      throw error
    }
    pipe = ends.read
    self.configuration = configuration
  }

  /// Already-preprocessed input read from a file (`.i`, `.ii`, …).
  init(preprocessed bytes: [UInt8]) {
    directivesOnly = false
    result = .success(bytes)
  }

  deinit {
    pipe?.closeIgnoringErrors()
    heldErrors?.closeIgnoringErrors()
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

  /// Whether ``keep()`` was called: the output was checked and is sent.
  private(set) var isKept = false

  /// Keeps a directives-only preprocessor's output: what it wrote to standard error goes to the client's.
  func keep() {
    isKept = true
    guard let held = heldErrors, let configuration else { return }
    heldErrors = nil
    defer { held.closeIgnoringErrors() }
    if let bytes = try? FileContents.read(held, upTo: Int.max), !bytes.isEmpty {
      ObjectFile.relay(bytes, to: configuration.standardError)
    }
  }
}
