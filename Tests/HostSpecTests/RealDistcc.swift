import Foundation
import Glibc

/// Runs Debian's `/usr/bin/distcc` (the referee) with `posix_spawn`, many at a time.
enum RealDistcc {
  static let path = "/usr/bin/distcc"

  static var isInstalled: Bool { access(path, X_OK) == 0 }

  struct Invocation: Sendable {
    var arguments: [String]
    var environment: [String: String]
  }

  struct Output: Sendable, Equatable {
    var stdout: String
    var stderr: String
    var status: Int32

    /// 3.4 exits 0 from `--show-hosts` and `-j` even for a bad list; this line says it failed.
    var failedToGetHostList: Bool { stderr.contains("CRITICAL! Failed to get host list") }
  }

  /// Runs the invocations, at most `parallelism` processes at once, and returns their outputs in order.
  static func run(_ invocations: [Invocation], parallelism: Int = 8) -> [Output] {
    var outputs: [Output] = []
    outputs.reserveCapacity(invocations.count)
    var start = 0
    while start < invocations.count {
      let batch = invocations[start..<min(start + parallelism, invocations.count)]
      let running = batch.map(spawn)
      outputs.append(contentsOf: running.map(collect))
      start += batch.count
    }
    return outputs
  }

  private struct Running {
    var pid: pid_t
    var stdout: Int32
    var stderr: Int32
  }

  private static func spawn(_ invocation: Invocation) -> Running {
    var outPipe: [Int32] = [-1, -1]
    var errPipe: [Int32] = [-1, -1]
    precondition(pipe(&outPipe) == 0 && pipe(&errPipe) == 0, "pipe failed")
    for fd in outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
    posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)

    let argv = ([path] + invocation.arguments).map { strdup($0) } + [nil]
    let envp = invocation.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      for pointer in argv + envp { free(pointer) }
    }
    var pid: pid_t = 0
    let result = posix_spawn(&pid, path, &actions, nil, argv, envp)
    precondition(result == 0, "posix_spawn \(path) failed: \(result)")
    close(outPipe[1])
    close(errPipe[1])
    return Running(pid: pid, stdout: outPipe[0], stderr: errPipe[0])
  }

  /// Reads both pipes to the end (outputs are small: a host list's worth), then reaps the child by its pid.
  private static func collect(_ running: Running) -> Output {
    let stdout = readAll(running.stdout)
    let stderr = readAll(running.stderr)
    var status: Int32 = 0
    while waitpid(running.pid, &status, 0) < 0 && errno == EINTR {}
    return Output(stdout: stdout, stderr: stderr, status: status)
  }

  private static func readAll(_ fd: Int32) -> String {
    defer { close(fd) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
      let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if count < 0 && errno == EINTR { continue }
      if count <= 0 { break }
      bytes.append(contentsOf: buffer[..<count])
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}

/// A temporary directory, removed by `remove()`.
struct TemporaryDirectory {
  let path: String

  init() {
    path =
      FileManager.default.temporaryDirectory.appendingPathComponent(
        "hostspec-test-\(UUID().uuidString)"
      ).path
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
  }

  func write(_ name: String, _ contents: String) {
    precondition(
      FileManager.default.createFile(atPath: path + "/" + name, contents: Data(contents.utf8)))
  }

  func makeDirectory(_ name: String) {
    try! FileManager.default.createDirectory(
      atPath: path + "/" + name, withIntermediateDirectories: false)
  }

  func remove() {
    try? FileManager.default.removeItem(atPath: path)
  }
}

/// The names in a directory.
func directoryListing(_ path: String) throws -> [String] {
  try FileManager.default.contentsOfDirectory(atPath: path)
}
