// Processes the SSH tests start (sshd, ssh-agent, ssh-keygen), by pid, through posix_spawn.
import Glibc

enum TestProcess {
  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  /// Starts `arguments[0]` (searched in PATH) with stdout and stderr appended to `log` (or /dev/null).
  static func spawn(_ arguments: [String], environment: [String: String]? = nil, log: String? = nil) throws
    -> pid_t
  {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, log ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o600)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    let argv = arguments.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    let environmentList = (environment ?? currentEnvironment()).map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { environmentList.forEach { free($0) } }
    // The test runner's threads block most signals; a child must start with none blocked and default handlers,
    // or SIGTERM from `stop` would never reach it.
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    var allSignals = sigset_t()
    sigfillset(&allSignals)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    posix_spawnattr_setsigdefault(&attributes, &allSignals)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var pid: pid_t = 0
    let status = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, environmentList)
    guard status == 0 else { throw Failure(description: "spawn \(arguments[0]): \(String(cString: strerror(status)))") }
    return pid
  }

  /// Runs a command to completion; throws unless it exits 0. Returns its output.
  @discardableResult
  static func run(_ arguments: [String], environment: [String: String]? = nil) throws -> String {
    let log = temporaryPath("run-log")
    defer { unlink(log) }
    let pid = try spawn(arguments, environment: environment, log: log)
    let status = wait(pid)
    let output = (try? readText(log)) ?? ""
    guard status == 0 else {
      throw Failure(description: "\(arguments.joined(separator: " ")) exited \(status): \(output)")
    }
    return output
  }

  /// Waits for `pid`; returns its exit code (or 128 + signal).
  static func wait(_ pid: pid_t) -> Int32 {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    if status & 0x7f == 0 { return (status >> 8) & 0xff }
    return 128 + (status & 0x7f)
  }

  /// Stops a process the test started: SIGTERM, then wait.
  static func stop(_ pid: pid_t) {
    kill(pid, SIGTERM)
    _ = wait(pid)
  }

  static func currentEnvironment() -> [String: String] {
    var result: [String: String] = [:]
    var entry = environ
    while let pointer = entry.pointee {
      let text = String(cString: pointer)
      if let equals = text.firstIndex(of: "=") {
        result[String(text[..<equals])] = String(text[text.index(after: equals)...])
      }
      entry += 1
    }
    return result
  }
}

func temporaryPath(_ prefix: String) -> String {
  var template = Array("/tmp/ssh-tests-\(prefix)-XXXXXX".utf8CString)
  let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
  close(fd)
  return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

func makeTemporaryDirectory() -> String {
  var template = Array("/tmp/ssh-tests-XXXXXX".utf8CString)
  _ = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
  return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

func readText(_ path: String) throws -> String {
  guard let file = fopen(path, "r") else { throw TestProcess.Failure(description: "cannot read \(path)") }
  defer { fclose(file) }
  var bytes: [UInt8] = []
  var buffer = [UInt8](repeating: 0, count: 65536)
  while true {
    let count = fread(&buffer, 1, buffer.count, file)
    if count <= 0 { break }
    bytes += buffer[..<count]
  }
  return String(decoding: bytes, as: UTF8.self)
}

func writeText(_ text: String, to path: String, mode: mode_t = 0o600) throws {
  let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)
  guard fd >= 0 else { throw TestProcess.Failure(description: "cannot write \(path)") }
  defer { close(fd) }
  let bytes = Array(text.utf8)
  guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
    throw TestProcess.Failure(description: "short write to \(path)")
  }
}

func removeTree(_ path: String) {
  _ = try? TestProcess.run(["rm", "-rf", path])
}
