import DistPosix
import Glibc
import SystemPackage

/// Finding and running the programs the pump wrapper starts.
@MainActor enum Executables {
  static func isExecutable(_ path: String) -> Bool {
    FileVersion.follow(path)?.kind == .regular && access(path, X_OK) == 0
  }

  /// The directory of this executable (`/proc/self/exe`), where `distcc-include-server` is installed.
  static func ownDirectory() -> String {
    let path = FileVersion.linkTarget("/proc/self/exe") ?? CommandLine.arguments[0]
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
  }

  /// `name` looked up in `path` (a `PATH` value) as `execvp` does.
  static func find(_ name: String, in path: String) -> String? {
    if name.contains("/") { return name }
    for directory in path.split(separator: ":", omittingEmptySubsequences: false) {
      let candidate = (directory.isEmpty ? "." : String(directory)) + "/" + name
      if isExecutable(candidate) { return candidate }
    }
    return nil
  }

  /// The standard output of `command` (its standard error passes through); empty if it cannot run.
  static func output(_ command: [String]) -> String {
    guard let pipe = try? Pipe.make() else { return "" }
    defer { pipe.read.closeIgnoringErrors() }
    guard
      let child = try? ChildProcess.spawn(
        SpawnRequest(
          executable: command[0], arguments: command.map { Array($0.utf8) },
          environment: environment.map { Array("\($0.key)=\($0.value)".utf8) },
          standardOutput: pipe.write))
    else {
      pipe.write.closeIgnoringErrors()
      return ""
    }
    pipe.write.closeIgnoringErrors()
    let bytes = (try? pipe.read.readToEnd(limit: 1 << 20, deadline: .never)) ?? []
    _ = try? child.reap()
    return String(decoding: bytes, as: UTF8.self)
  }

  /// Runs `command` with the terminal's streams and waits; its exit status as a shell reports it
  /// (128 + signal; 127 if it cannot be found, 126 if it cannot be run).
  static func run(_ command: [String], environment: [String: String]) -> Int32 {
    guard let executable = find(command[0], in: environment["PATH"] ?? "") else {
      warn("\(program): \(command[0]): not found")
      return 127
    }
    do {
      let child = try ChildProcess.spawn(
        SpawnRequest(
          executable: executable, arguments: command.map { Array($0.utf8) },
          environment: environment.map { Array("\($0.key)=\($0.value)".utf8) }))
      let status = try child.reap()
      if let code = status.exitCode { return code }
      return 128 + (status.signal ?? 0)
    } catch {
      warn("\(program): \(command[0]): \(error)")
      return 126
    }
  }
}
