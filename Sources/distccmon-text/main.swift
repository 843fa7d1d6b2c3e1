// distccmon-text [DELAY]: prints the compile jobs of this user's distcc clients, as distcc 3.4 does.
import DistMonitor
import DistPosix
import DistProtocol
import DistState
import Glibc  // exit
import SystemPackage

/// Where 3.4 logs: `DISTCC_LOG` (appended), else `UNCACHED_ERR_FD`, else stderr.
func logDescriptor(_ environment: [String: String]) -> Int32 {
  if let path = environment["DISTCC_LOG"], !path.isEmpty {
    let opened = try? FileDescriptor.open(
      path, .writeOnly, options: [.append, .create], permissions: .init(rawValue: 0o666))
    if let opened { return opened.rawValue }
  }
  if let text = environment["UNCACHED_ERR_FD"], let descriptor = Int32(text), descriptor > 2 {
    return descriptor
  }
  return STDERR_FILENO
}

/// Writes `bytes` to `descriptor`, all of them unless it fails.
func emit(_ bytes: [UInt8], to descriptor: Int32) {
  _ = try? FileDescriptor(rawValue: descriptor).writeAll(bytes, deadline: .never)
}

/// 3.4's exit codes (`exitcode.h`): bad arguments, I/O error.
func exitCode(for error: DistStateError) -> ExitCode {
  switch error {
  case .homeNotSet: .badArguments
  case .truncated, .wrongMagic, .wrongStructureSize, .system: .ioError
  }
}

let environment = ProcessEnvironment.current()
let log = MonitorLog(program: "distccmon-text", pid: CurrentProcess.id)
let logTo = logDescriptor(environment)
/// 3.4 traces only with `DISTCC_VERBOSE=1` exactly.
let verbose = environment["DISTCC_VERBOSE"] == "1"

guard let arguments = TextMonitorArguments(Array(CommandLine.arguments.dropFirst())) else {
  emit(Array(TextMonitorArguments.usage.utf8), to: STDERR_FILENO)
  exit(1)
}

do throws(DistStateError) {
  let directory = try StateDirectory(environment: environment)
  repeat {
    let scan = try directory.scan()
    for event in scan.events where verbose || event.isWarning {
      emit(Array(log.line(for: event).utf8), to: logTo)
    }
    emit(TextReport.render(scan.records), to: STDOUT_FILENO)
    if arguments.repeats { usleep(arguments.sleepMicroseconds) }
  } while arguments.repeats
} catch {
  emit(Array(log.line(for: error).utf8), to: logTo)
  exit(exitCode(for: error).rawValue)
}
