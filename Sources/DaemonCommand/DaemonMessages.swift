import DistPosix
internal import DistProtocol
internal import Glibc  // exit

/// `distccd`'s own lines on stderr, spelled as 3.4 spells them.
enum DaemonMessages {
  /// `distccd: ERROR: MESSAGE`, then exit with `code`.
  static func fail(_ message: String, _ code: ExitCode) -> Never {
    write("distccd: ERROR: \(message)\n")
    exit(code.rawValue)
  }

  /// `distccd[PID] Warning: MESSAGE`.
  static func warn(_ message: String) {
    write("distccd[\(CurrentProcess.id)] Warning: \(message)\n")
  }

  /// Writes `text` to stderr (errors ignored: there is nowhere left to report them).
  static func write(_ text: String) {
    _ = try? StandardStreams.error.writeAll(Array(text.utf8))
  }
}
