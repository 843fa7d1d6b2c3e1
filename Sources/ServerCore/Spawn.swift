import DistPosix
import Glibc
import SystemPackage

/// A compiler process started through DistPosix's `ChildProcess` (`posix_spawn`, never `fork` from Swift;
/// watched through a pidfd; only fds 0-2 inherited; signals reset to default).
struct SpawnedProcess: Sendable {
  let child: ChildProcess

  var pid: pid_t { child.pid }

  /// Where a standard stream of the child goes.
  enum Stream {
    /// A file opened for this spawn (stdout truncated, stderr appended) and closed after it.
    case path(String)
    /// A descriptor the caller owns, installed as is.
    case descriptor(FileDescriptor)

    /// `/dev/null` for reading, opened once per process (shared by every compiler's stdin).
    static let nullInput: Stream = {
      let fd = open("/dev/null", O_RDONLY | O_CLOEXEC)
      return fd >= 0 ? .descriptor(FileDescriptor(rawValue: fd)) : .path("/dev/null")
    }()
  }

  /// What to start and where its standard streams go.
  struct Request {
    var executable: String
    var arguments: [[UInt8]]
    var environment: [String]
    var workingDirectory: String? = nil
    var standardInput = Stream.nullInput
    /// Receives stdout; `nil` inherits.
    var standardOutput: Stream? = nil
    /// Receives stderr; `nil` inherits.
    var standardError: Stream? = nil
    var newProcessGroup = false
    var newSession = false

    /// Opens the streams named by path and calls `body` with the equivalent `SpawnRequest`; closes
    /// them afterwards.
    func withSpawnRequest<T>(
      environment: [String]? = nil, _ body: (SpawnRequest) -> Result<T, Errno>
    ) -> Result<T, Errno> {
      var streams: [FileDescriptor] = []
      defer { for fd in streams { fd.closeIgnoringErrors() } }
      var opened: [FileDescriptor?] = []
      for (stream, flags) in [
        (standardInput, O_RDONLY), (standardOutput, O_WRONLY | O_CREAT | O_TRUNC),
        (standardError, O_WRONLY | O_CREAT | O_APPEND),
      ] as [(Stream?, Int32)] {
        switch stream {
        case nil: opened.append(nil)
        case .descriptor(let fd)?: opened.append(fd)
        case .path(let path)?:
          let fd = open(path, flags | O_CLOEXEC, 0o600)
          guard fd >= 0 else { return .failure(Errno(rawValue: errno)) }
          streams.append(FileDescriptor(rawValue: fd))
          opened.append(FileDescriptor(rawValue: fd))
        }
      }
      let request = SpawnRequest(
        executable: executable, arguments: arguments,
        environment: (environment ?? self.environment).map { Array($0.utf8) },
        standardInput: opened[0],
        standardOutput: opened[1], standardError: opened[2], workingDirectory: workingDirectory,
        newProcessGroup: newProcessGroup, newSession: newSession)
      return body(request)
    }
  }

  /// Starts `request` unconfined.
  static func spawn(_ request: Request) -> Result<SpawnedProcess, Errno> {
    request.withSpawnRequest { spawn in
      do throws(PosixError) {
        return .success(SpawnedProcess(child: try ChildProcess.spawn(spawn)))
      } catch {
        return .failure(error.errno ?? Errno(rawValue: ENOEXEC))
      }
    }
  }

  /// Reaps the process if it has exited (or, `blocking`, once it has); returns its raw wait status.
  func reap(blocking: Bool) -> UInt32? {
    guard let status = try? child.wait(deadline: blocking ? .never : .now) else { return nil }
    return UInt32(bitPattern: status.rawValue)
  }

  /// Reaps the process after its pidfd became readable (it has exited); its raw wait status.
  func reapExited() -> UInt32? {
    guard let status = try? child.reap() else { return nil }
    return UInt32(bitPattern: status.rawValue)
  }

  /// Sends `signal` to the process's whole group (it leads one when spawned with `newProcessGroup`).
  func signalGroup(_ signal: Int32) { child.sendToGroup(signal) }

  /// Finds `name` like `execvp` would, in `searchPath` (a name containing `/` is used as is).
  static func resolve(_ name: String, searchPath: String) -> String? {
    if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
    for dir in searchPath.split(separator: ":", omittingEmptySubsequences: false) {
      let candidate = (dir.isEmpty ? "." : String(dir)) + "/" + name
      var info = stat()
      if access(candidate, X_OK) == 0, stat(candidate, &info) == 0, info.st_mode & S_IFMT == S_IFREG
      {
        return candidate
      }
    }
    return nil
  }
}
