// distccmon-text [DELAY]: prints the compile jobs of this user's distcc clients, as distcc 3.4 does.
import DistMonitor
import DistPosix
import DistProtocol
import DistState
import Glibc

/// Where 3.4 logs: `DISTCC_LOG` (appended), else `UNCACHED_ERR_FD`, else stderr.
func logDescriptor(_ environment: [String: String]) -> Int32 {
  if let path = environment["DISTCC_LOG"], !path.isEmpty {
    let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o666)
    if descriptor >= 0 { return descriptor }
  }
  if let text = environment["UNCACHED_ERR_FD"], let descriptor = Int32(text), descriptor > 2 {
    return descriptor
  }
  return STDERR_FILENO
}

func writeAll(_ bytes: [UInt8], to descriptor: Int32) {
  var offset = 0
  while offset < bytes.count {
    let written = bytes.withUnsafeBytes {
      write(descriptor, $0.baseAddress! + offset, $0.count - offset)
    }
    if written < 0 && errno == EINTR { continue }
    guard written > 0 else { return }
    offset += written
  }
}

/// 3.4's exit codes (`exitcode.h`): bad arguments, I/O error.
func exitCode(for error: DistStateError) -> ExitCode {
  switch error {
  case .homeNotSet: .badArguments
  case .truncated, .wrongMagic, .wrongStructureSize, .system: .ioError
  }
}

let environment = ProcessEnvironment.current()
let log = MonitorLog(program: "distccmon-text", pid: getpid())
let logTo = logDescriptor(environment)
/// 3.4 traces only with `DISTCC_VERBOSE=1` exactly.
let verbose = environment["DISTCC_VERBOSE"] == "1"

guard let arguments = TextMonitorArguments(Array(CommandLine.arguments.dropFirst())) else {
  writeAll(Array(TextMonitorArguments.usage.utf8), to: STDERR_FILENO)
  exit(1)
}

do throws(DistStateError) {
  let directory = try StateDirectory(environment: environment)
  repeat {
    let scan = try directory.scan()
    for event in scan.events where verbose || event.isWarning {
      writeAll(Array(log.line(for: event).utf8), to: logTo)
    }
    writeAll(TextReport.render(scan.records), to: STDOUT_FILENO)
    if arguments.repeats { usleep(arguments.sleepMicroseconds) }
  } while arguments.repeats
} catch {
  writeAll(Array(log.line(for: error).utf8), to: logTo)
  exit(exitCode(for: error).rawValue)
}
