// distccd: the distcc daemon. The options, their mapping onto ServerConfiguration and the process around the
// server (detaching, pid file, privileges, signals) live in DaemonCommand; this page only wires them up.
import DaemonCommand
import DistPosix
import DistProtocol
import Glibc  // exit
import SystemPackage

let options: DaemonOptions
do { options = try DaemonOptions.parse(Array(CommandLine.arguments.dropFirst())) } catch {
  // 3.4 exits 101 for every bad option (clarifications.md).
  let line = "distccd: ERROR: \(DaemonOptions.message(for: error))\n"
  _ = try? FileDescriptor.standardError.writeAll(line.utf8, deadline: .never)
  exit(ExitCode.badArguments.rawValue)
}
if options.help {
  print(VersionText.daemon + DaemonOptions.helpMessage(columns: 100))
  exit(0)
}
if options.version {
  print(VersionText.daemon, terminator: "")
  exit(0)
}
if options.showPrincipal {
  print("Principal\t: Not Set")
  exit(0)
}
DaemonProcess(options: options, environment: ProcessEnvironment.current()).run()
