import DistPosix
import SystemPackage

/// A compiler process started through DistPosix's `ChildProcess` (`posix_spawn`, never `fork` from Swift;
/// watched through a pidfd; only fds 0-2 inherited; signals reset to default).
struct SpawnedProcess: Sendable {
  let child: ChildProcess

  var pid: Int32 { child.pid }

  /// Where a standard stream of the child goes.
  enum Stream {
    /// A file opened for this spawn (stdout truncated, stderr appended) and closed after it.
    case path(String)
    /// A descriptor the caller owns, installed as is.
    case descriptor(FileDescriptor)

    /// `/dev/null` for reading, opened once per process (shared by every compiler's stdin).
    static let nullInput: Stream = {
      guard let fd = try? FileDescriptor.open("/dev/null", .readOnly) else {
        return .path("/dev/null")
      }
      return .descriptor(fd)
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
      for (stream, mode, options) in [
        (standardInput, .readOnly, []), (standardOutput, .writeOnly, [.create, .truncate]),
        (standardError, .writeOnly, [.create, .append]),
      ] as [(Stream?, FileDescriptor.AccessMode, FileDescriptor.OpenOptions)] {
        switch stream {
        case nil: opened.append(nil)
        case .descriptor(let fd)?: opened.append(fd)
        case .path(let path)?:
          do throws(PosixError) {
            let fd = try FileDescriptor.open(
              path, mode, options: options, permissions: .ownerReadWrite)
            streams.append(fd)
            opened.append(fd)
          } catch {
            return .failure(error.errno ?? .ioError)
          }
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
        return .failure(error.errno ?? .execFormatError)
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
    if name.contains("/") { return Paths.isAccessible(name, .execute) ? name : nil }
    for dir in searchPath.split(separator: ":", omittingEmptySubsequences: false) {
      let candidate = (dir.isEmpty ? "." : String(dir)) + "/" + name
      if Paths.isAccessible(candidate, .execute), (try? FileStatus(candidate))?.kind == .regular {
        return candidate
      }
    }
    return nil
  }
}
