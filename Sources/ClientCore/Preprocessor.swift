import CompilerArgs
import DistPosix
import SystemPackage

/// The local preprocessor of one job (client.md §5.1): `compiler -E …` started in the background in its own
/// process group, stdin `/dev/null`, stderr the client's, stdout an anonymous memory file (``MemoryFile``:
/// no name in any directory, so no temp file survives a kill). Its output is sent from there with one
/// `sendfile` (or compressed from a mapping), as 3.4 sends its temp file; it is never read into this process.
/// The output is kept, so a retry on another host does not preprocess again.
final class Preprocessor {
  private var child: ChildProcess?
  private var result: Result?
  private var configuration: ClientConfiguration?
  /// The local "cpp" slot held while the preprocessor runs; released as soon as it has finished.
  var slot: HostReservation?
  /// Whether this is a directives-only preprocessor (`-fdirectives-only`), whose standard error is held in
  /// an unlinked temporary file until the client knows it keeps the output (``keep()``): a directives-only
  /// run that is replaced by a full one must not print anything.
  let directivesOnly: Bool
  /// Whether this directives-only preprocessor is clang's `-frewrite-includes` (gcc's `-fdirectives-only`
  /// otherwise).
  let rewritesIncludes: Bool
  private var heldErrors: FileDescriptor?

  /// What the preprocessor produced.
  enum Result {
    case success(PreprocessedSource)
    /// cpp failed: its 3.4 job result (exit code or 128 + signal).
    case failed(Int32)
  }

  /// The largest preprocessed source accepted (far above any real translation unit).
  static let outputLimit = 1 << 31

  /// Starts `arguments` with its standard output in a new memory file; `directivesOnly` holds back its
  /// standard error.
  init(
    arguments: [String], configuration: ClientConfiguration, directivesOnly: Bool = false,
    rewritesIncludes: Bool = false
  ) throws(ClientError) {
    self.directivesOnly = directivesOnly
    self.rewritesIncludes = rewritesIncludes
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
    let output: FileDescriptor
    do {
      output = try MemoryFile.create(name: "distcc-cpp")
    } catch {
      throw .system(operation: "memfd_create", path: nil, errno: (error.errno ?? .ioError).rawValue)
    }
    do {
      child = try Spawn.start(
        arguments, configuration: configuration, nullInput: true, standardOutput: output,
        standardError: heldErrors, newProcessGroup: true)
    } catch {
      output.closeIgnoringErrors()
      heldErrors?.closeIgnoringErrors()
      throw error
    }
    self.output = output
    self.configuration = configuration
  }

  /// Already-preprocessed input (`.i`, `.ii`, …), sent from its own file.
  init(preprocessed source: PreprocessedSource) {
    directivesOnly = false
    rewritesIncludes = false
    result = .success(source)
  }

  /// cpp's memory file until ``finish()`` hands it to the result.
  private var output: FileDescriptor?

  deinit {
    output?.closeIgnoringErrors()
    heldErrors?.closeIgnoringErrors()
    if case .success(let source) = result { source.file.closeIgnoringErrors() }
    if let child {
      configuration?.cancellation?.forget(child)
      child.sendToGroup(Signals.terminate)
      _ = try? child.reap()
    }
  }

  /// Waits for the preprocessor; later calls return the same result.
  func finish() throws(ClientError) -> Result {
    if let result { return result }
    guard let output, let child else { return .failed(1) }
    let status =
      (configuration.flatMap { try? Spawn.settle(child, configuration: $0) })?.result ?? 1
    self.child = nil
    slot?.release()
    slot = nil
    self.output = nil
    guard status == 0 else {
      output.closeIgnoringErrors()
      result = .failed(status)
      return .failed(status)
    }
    let size: Int
    do throws(PosixError) {
      // Frozen, so that nothing (a compiler's stray child) can shrink it under a mapping.
      try MemoryFile.freeze(output)
      size = try FileStatus(output).size
    } catch {
      output.closeIgnoringErrors()
      throw .system(
        operation: "\(error.operation) preprocessor output", path: nil,
        errno: (error.errno ?? .ioError).rawValue)
    }
    guard size <= Self.outputLimit else {
      output.closeIgnoringErrors()
      throw .system(
        operation: "read from preprocessor", path: nil, errno: Errno.fileTooLarge.rawValue)
    }
    let finished = Result.success(PreprocessedSource(file: output, count: size, isFrozen: true))
    result = finished
    return finished
  }

  /// Whether ``keep()`` was called: the output was checked and is sent.
  private(set) var isKept = false

  /// Whether a directives-only preprocessor wrote anything to its held standard error.
  var wroteErrors: Bool {
    guard let held = heldErrors else { return false }
    return ((try? FileStatus(held).size) ?? 1) > 0
  }

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

/// A job's preprocessed source where it lies: cpp's memory file, or the user's `.i` file, and how many bytes
/// of it to send. The ``Preprocessor`` that holds it closes the file.
struct PreprocessedSource {
  let file: FileDescriptor
  let count: Int
  /// A sealed memory file, safe to map: the user's own file could shrink under a mapping (`SIGBUS`), so it is
  /// read instead where it must be compressed.
  var isFrozen = false

  /// What `file` holds from its position to its end (at most `limit` bytes), in a frozen memory file: for an
  /// input that is not a regular file (a FIFO), whose size `fstat` does not give.
  static func copying(_ file: FileDescriptor, limit: Int) throws(PosixError) -> PreprocessedSource {
    let bytes = try file.readToEnd(limit: limit, deadline: .never, operation: "read input")
    let copy = try MemoryFile.create(name: "distcc-input")
    do throws(PosixError) {
      try copy.writeAll(bytes, deadline: .never, operation: "write input copy")
      try MemoryFile.freeze(copy)
    } catch {
      copy.closeIgnoringErrors()
      throw error
    }
    return PreprocessedSource(file: copy, count: bytes.count, isFrozen: true)
  }

  /// The bytes, for a body that is compressed: `body` gets a mapping of a frozen file, else a copy read
  /// with `pread` (as 3.4 reads its temp file).
  func withBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) throws(PosixError) -> R {
    if isFrozen {
      return try MappedFile(file, count: count, operation: "mmap preprocessed source")
        .withUnsafeBytes(body)
    }
    return try FileContents.read(file, upTo: count).withUnsafeBytes(body)
  }
}
