// distcc: the client executable. Reads the environment once, decides the invocation mode, and maps the
// library's results and errors onto distcc 3.4's exit codes (client.md §14). No Foundation.
import ClientCore
import DistPosix
import DistProtocol
import Glibc  // signal, exit

signal(SIGPIPE, SIG_IGN)

let arguments = CommandLine.arguments
// Read once: building the dictionary costs about 80k instructions per call.
let environment = ProcessEnvironment.current()
if let status = SSHBrokerMode.runIfRequested(arguments: arguments, environment: environment) {
  exit(status)
}
var configuration: ClientConfiguration
do {
  configuration = try ClientConfiguration(environment: environment)
} catch {
  writeError("distcc: \(error)\n")
  exit(error.exitCode.rawValue)
}
configuration.sshBrokerProgram = SSHBrokerMode.selfExecutable
let log = ClientLog(configuration: configuration)
let program = arguments.first ?? "distcc"

switch Invocation.decide(
  Invocation.expandingResponseFiles(arguments), configuration: &configuration)
{
case .missingOperand:
  writeError("\(program): missing option/operand\nTry `\(program) --help' for more information.\n")
  exit(ExitCode.badArguments.rawValue)
case .version:
  writeOutput(versionText)
  exit(0)
case .help:
  writeOutput(versionText + usageText)
  exit(0)
case .showHosts:
  if let list = DistributedCompiler(configuration: configuration, log: log).hostList() {
    writeOutput(list.showHostsLines().map { $0 + "\n" }.joined())
  } else {
    log.log(.critical, "Failed to get host list", function: "dcc_show_hosts")
  }
  exit(0)
case .showBackoff:
  let compiler = DistributedCompiler(configuration: configuration, log: log)
  if let states = compiler.backoffStates() {
    writeOutput(
      states.map { state in
        let status = state.secondsLeft.map { "backed off, \($0) s left" } ?? "available"
        let pauses = compiler.compilerPauses(on: state.host).map {
          "\(state.host.displayName) paused for \($0.client) (this host: \($0.server)), \($0.secondsLeft) s left\n"
        }
        guard state.host.kind != .localhost else { return "\(state.host.displayName) \(status)\n" }
        let extensions =
          state.extensions.map { $0.isEmpty ? "none" : $0.description } ?? "none known"
        return "\(state.host.displayName) \(status); extensions: \(extensions)\n" + pauses.joined()
      }.joined())
  } else {
    log.log(.critical, "Failed to get host list", function: "dcc_show_hosts")
  }
  exit(0)
case .concurrency:
  if let list = DistributedCompiler(configuration: configuration, log: log).hostList() {
    writeOutput("\(list.concurrencyLevel)\n")
  } else {
    log.log(.critical, "Failed to get host list", function: "dcc_concurrency_level")
  }
  exit(0)
case .makeSymlinks(let directory):
  do {
    let names = try MasqueradeLinks.create(
      in: directory, target: executablePath(), searchPath: configuration.environment["PATH"] ?? "")
    writeOutput(names.map { "\(directory)/\($0)\n" }.joined())
    exit(0)
  } catch {
    log.error(error.description)
    exit(error.exitCode.rawValue)
  }
case .compile(let command):
  removeStateFileOnSignals(distccDirectory: configuration.distccDirectory)
  do {
    let result = try DistributedCompiler(configuration: configuration, log: log).compile(command)
    exit(result.status)
  } catch {
    exit(error.exitCode.rawValue)
  }
}
