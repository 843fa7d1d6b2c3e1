// distccmon-web: a live web page of this user's distcc jobs, hosts and daemons.
import DistMonitor
import DistPosix
import DistProtocol
import DistState
import Glibc  // exit
import SystemPackage

func printError(_ text: String) {
  _ = try? FileDescriptor.standardError.writeAll(text.utf8, deadline: .never)
}

func fail(_ message: String, code: ExitCode) -> Never {
  printError("distccmon-web: \(message)\n")
  exit(code.rawValue)
}

let options: MonitorWebOptions
do throws(MonitorWebError) {
  options = try MonitorWebOptions(Array(CommandLine.arguments.dropFirst()))
} catch {
  printError("distccmon-web: \(error)\n\(MonitorWebOptions.usage)")
  exit(1)
}
if options.showHelp {
  print(MonitorWebOptions.usage, terminator: "")
  exit(0)
}

var configuration: MonitorWebApp.Configuration
do throws(DistStateError) {
  configuration = try MonitorWebApp.Configuration(environment: ProcessEnvironment.current())
  try configuration.stateDirectory.create()
} catch {
  fail("\(error)", code: error == .homeNotSet ? .badArguments : .ioError)
}
configuration.statsSources = options.daemonStats
configuration.window = Int64(options.windowMinutes) * 60 * 1000

let app = MonitorWebApp(configuration: configuration)
let server: MonitorHTTPServer
do throws(MonitorWebError) {
  server = try MonitorHTTPServer(host: options.listen, port: options.port)
} catch {
  fail("\(error)", code: .bindFailed)
}

do throws(PosixError) {
  try PosixThread.detach {
    do throws(DistStateError) {
      try app.sampleForever()
    } catch {
      fail("\(error)", code: .ioError)
    }
  }
  if !configuration.statsSources.isEmpty { try PosixThread.detach { app.pollStatsForever() } }
} catch {
  fail("\(error)", code: .distccFailed)
}

let url =
  options.listen.contains(":")
  ? "[\(options.listen)]:\(server.port)" : "\(options.listen):\(server.port)"
printError("distccmon-web: serving http://\(url)/ for \(configuration.stateDirectory.path)\n")
do throws(MonitorWebError) {
  try server.run { request in app.handle(request) }
  exit(0)
} catch {
  fail("\(error)", code: .ioError)
}
