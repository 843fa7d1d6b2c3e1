/// Runs a short command (`cc -dumpversion`) and returns what it printed.
public enum CommandOutput {
  /// The first line `arguments` prints on stdout (the program searched on `PATH` when it has no slash), or nil
  /// if it cannot start, fails, prints nothing or takes more than `seconds`.
  public static func firstLine(_ arguments: [String], seconds: Int = 10) -> String? {
    guard let (read, write) = try? Pipe.make() else { return nil }
    defer { try? read.close() }
    var request = SpawnRequest(executable: arguments[0], arguments: arguments)
    request.searchPath = true
    request.standardOutput = write
    let child = try? ChildProcess.spawn(request)
    try? write.close()
    guard let child else { return nil }
    let output = (try? read.readToEnd(limit: 1 << 16, deadline: .after(seconds: seconds))) ?? []
    guard let status = try? child.reap(), status.exitCode == 0 else { return nil }
    let line =
      output.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).first ?? []
    let text = String(decoding: line, as: UTF8.self)
    return text.isEmpty ? nil : text
  }
}
