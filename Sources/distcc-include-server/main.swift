// distcc-include-server: the pump-mode include server (`IncludeServer`), started by `distcc-pump`.
//
//   distcc-include-server --port SOCKET [--pid_file FILE] [-s] [--ready-on-stdout] [3.4 options ignored]
//
// Listens on the AF_UNIX socket SOCKET until SIGTERM, SIGINT or SIGHUP, then removes its mirror and socket.
import DistPosix
import Glibc
import IncludeServer
import SystemPackage

let program = "distcc-include-server"

func fail(_ message: String, code: Int32 = 2) -> Never {
  let line = Array("\(program): \(message)\n".utf8)
  try? FileDescriptor.standardError.writeAll(line, deadline: .never)
  exit(code)
}

var port: String?
var pidFile: String?
var statistics = false
var readyOnStdout = false
var arguments = CommandLine.arguments.dropFirst()[...]
// Options of 3.4's include_server.py that change nothing here (every query re-checks every file).
let ignoredWithValue: Set<String> = [
  "-d", "--debug_pattern", "--stat_reset_triggers", "--email_bound",
]
let ignoredFlags: Set<String> = [
  "-t", "--time", "--no-force-dirs", "--email", "--unsafe_absolute_includes", "--no_email", "-e",
  "--path_observation_re", "--exact_analysis",
]
while let argument = arguments.popFirst() {
  func value() -> String {
    if let equals = argument.firstIndex(of: "=") {
      return String(argument[argument.index(after: equals)...])
    }
    guard let next = arguments.popFirst() else { fail("option \(argument) needs a value") }
    return next
  }
  let name = argument.split(separator: "=", maxSplits: 1).first.map(String.init) ?? argument
  switch name {
  case "--port": port = value()
  case "--pid_file": pidFile = value()
  case "-s", "--statistics": statistics = true
  case "--ready-on-stdout": readyOnStdout = true
  case _ where ignoredWithValue.contains(name): _ = value()
  case _ where ignoredFlags.contains(name): break
  case _ where argument.hasPrefix("-d") && argument.dropFirst(2).allSatisfy(\.isNumber): break
  default: fail("unknown option \(argument)")
  }
}
guard let port else { fail("--port SOCKET is required") }

let environment = ProcessEnvironment.current()
let mirror: Mirror
do {
  if let chosen = environment["DISTCC_CLIENT_TMP"] {
    mirror = try Mirror(temporaryDirectory: chosen)
  } else {
    mirror = try (try? Mirror(temporaryDirectory: "/dev/shm")) ?? Mirror(temporaryDirectory: "/tmp")
  }
} catch {
  fail("\(error)", code: 1)
}
let server = IncludeServer(mirror: mirror) { line in
  try? FileDescriptor.standardError.writeAll(Array("\(program): \(line)\n".utf8), deadline: .never)
}
let stopSignals = [SIGTERM, SIGINT, SIGHUP]
Signals.block(stopSignals)
let listener: FileDescriptor
do { listener = try IncludeServer.listen(at: port) } catch {
  mirror.remove()
  fail("\(error)", code: 1)
}
let pid = getpid()
if let pidFile {
  do { try FileContents.writeAtomically(Array("\(pid)\n".utf8), to: pidFile, mode: 0o644) } catch {
    mirror.remove()
    unlink(port)
    fail("\(error)", code: 1)
  }
}
do {
  try PosixThread.detach { server.serve(listener) }
} catch {
  mirror.remove()
  unlink(port)
  fail("\(error)", code: 1)
}
if readyOnStdout {
  try? FileDescriptor.standardOutput.writeAll(Array("\(pid)\n".utf8), deadline: .never)
  StandardStreams.pointOutputAtError()
}
_ = Signals.wait(for: stopSignals)
if statistics {
  try? FileDescriptor.standardError.writeAll(
    Array("\(program): \(server.statisticsLine)\n".utf8), deadline: .never)
}
unlink(port)
mirror.remove()
exit(0)
