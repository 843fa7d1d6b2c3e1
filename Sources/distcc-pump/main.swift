// distcc-pump (also installed as `pump`): runs a build with a pump-mode include server, as distcc 3.4's
// `pump` script does (client.md §9, §15.1): `distcc-pump COMMAND…`, `distcc-pump --startup`,
// `distcc-pump --shutdown`. Same messages, variables and exit codes; the include server is our
// `distcc-include-server`, found beside this executable.
import DistPosix
import Glibc
import SystemPackage

let program = CommandLine.arguments.first ?? "distcc-pump"
var environment = ProcessEnvironment.current()

func say(_ text: String) {
  try? FileDescriptor.standardOutput.writeAll(Array((text + "\n").utf8), deadline: .never)
}
func warn(_ text: String) {
  try? FileDescriptor.standardError.writeAll(Array((text + "\n").utf8), deadline: .never)
}

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.isEmpty || arguments[0] == "-h" || arguments[0] == "--help" {
  say(PumpText.usage)
  exit(0)
}

var maxDiscrepancies = 1
if let text = environment["DISTCC_MAX_DISCREPANCY"], !text.isEmpty {
  guard let value = Int(text), value > 0 else {
    warn("\(program): Bad DISTCC_MAX_DISCREPANCY value: \"\(text)\". Needs to be 1 or greater.")
    exit(1)
  }
  maxDiscrepancies = value
}

/// Where `distcc` (and `lsdistcc`) are: `DISTCC_LOCATION`, else this program's directory (through one symlink).
let location: String = {
  if let given = environment["DISTCC_LOCATION"], !given.isEmpty { return given }
  let directory = program.contains("/") ? String(program[..<program.lastIndex(of: "/")!]) : "."
  if let link = FileVersion.linkTarget(program) {
    let linkDirectory = link.contains("/") ? String(link[..<link.lastIndex(of: "/")!]) : "."
    return linkDirectory.hasPrefix("/") ? linkDirectory : directory + "/" + linkDirectory
  }
  return directory.isEmpty ? "/" : directory
}()
environment["DISTCC_LOCATION"] = location
guard Executables.isExecutable(location + "/distcc") else {
  warn("\(program): error: can't find distcc (looked in \(location))")
  exit(1)
}

let mode = arguments.joined(separator: " ")
switch mode {
case "--startup":
  var pump = Pump(verbose: false, detached: true)
  pump.onExitShutDown = true
  guard pump.startIncludeServerAndDetermineHosts() else {
    pump.shutDown()
    exit(1)
  }
  say("export INCLUDE_SERVER_PID='\(pump.includeServerPID)'")
  say("export INCLUDE_SERVER_DIR='\(pump.socketDirectory)'")
  say("export INCLUDE_SERVER_PORT='\(pump.socket)'")
  if let hosts = environment["DISTCC_HOSTS"], !hosts.isEmpty {
    say("export DISTCC_HOSTS='\(hosts)'")
  }
  say("export PATH='\(location):\(environment["PATH"] ?? "")'")
  exit(0)
case "--shutdown":
  var pump = Pump(verbose: true, detached: true)
  pump.includeServerPID = Int32(environment["INCLUDE_SERVER_PID"] ?? "") ?? 0
  pump.socketDirectory = environment["INCLUDE_SERVER_DIR"] ?? ""
  pump.shutDown()
  exit(0)
default:
  say("__________Using distcc-pump from \(location)")
  var pump = Pump(verbose: true, detached: false)
  Signals.block([SIGINT, SIGTERM, SIGHUP, SIGQUIT])
  guard pump.startIncludeServerAndDetermineHosts() else {
    pump.shutDown()
    exit(1)
  }
  var childEnvironment = environment
  childEnvironment["INCLUDE_SERVER_PORT"] = pump.socket
  childEnvironment["PATH"] = location + ":" + (environment["PATH"] ?? "")
  let code = Executables.run(arguments, environment: childEnvironment)
  pump.shutDown()
  exit(code)
}

/// The include server's life and the host checks, as 3.4's script does them.
@MainActor struct Pump {
  var verbose: Bool
  /// `--startup`: the include server outlives this process (own session, output to files).
  var detached: Bool
  var onExitShutDown = false
  var socketDirectory = ""
  var socket: String { socketDirectory + "/socket" }
  var includeServerPID: Int32 = 0
  var child: ChildProcess?

  init(verbose: Bool, detached: Bool) {
    self.verbose = verbose
    self.detached = detached
  }

  mutating func startIncludeServerAndDetermineHosts() -> Bool {
    if let potential = environment["DISTCC_POTENTIAL_HOSTS"], !potential.isEmpty {
      let lsdistcc = location + "/lsdistcc"
      guard Executables.isExecutable(lsdistcc) else {
        warn("\(program): error: can't find lsdistcc (looked in \(location))")
        exit(1)
      }
      let words = ["-c150"] + split(environment["LSDISTCC_ARGS"]) + split(potential)
      let found = Executables.output([lsdistcc] + words)
      let started = startIncludeServer()
      if !started { warn("__________Warning: distcc-pump include server failed; running unpumped") }
      let options = started ? ",cpp,lzo" : ",lzo"
      let hosts = found.split(separator: "\n").map { $0 + options }
      environment["DISTCC_HOSTS"] = "--randomize " + hosts.joined(separator: " ")
      if verbose { say("__________Found \(hosts.count) available distcc servers") }
      return started
    }
    let home = environment["HOME"] ?? ""
    let directory = environment["DISTCC_DIR"] ?? ""
    if (environment["DISTCC_HOSTS"] ?? "").isEmpty
      && (directory.isEmpty || FileVersion.follow(directory + "/hosts")?.kind != .regular)
      && (home.isEmpty || FileVersion.follow(home + "/.distcc/hosts")?.kind != .regular)
      && FileVersion.follow("/etc/distcc/hosts")?.kind != .regular
    {
      warn(
        "\(program): expected environment variables \"DISTCC_HOSTS\" or \"DISTCC_POTENTIAL_HOSTS\" to be set, or to find a distcc hosts file in \"$DISTCC_DIR/hosts\", \"$HOME/.distcc/hosts\", or \"/etc/distcc/hosts\"."
      )
      exit(1)
    }
    let lines = Executables.output([location + "/distcc", "--show-hosts"]).split(
      separator: "\n", omittingEmptySubsequences: false)
    // `echo "$hosts" | wc -l` counts one line for empty output; the script's test for 0 never fires then.
    let hostCount = lines.last == "" ? lines.count - 1 : lines.count
    let pumpCount = lines.filter { $0.contains(",cpp") }.count
    if hostCount <= 0 || (hostCount == 1 && lines.first == "") {
      warn("\(program): error: distcc hosts list is empty!")
      exit(1)
    }
    if pumpCount == 0 {
      warn(
        "\(program): error: pump mode requested, but distcc hosts list does not contain any hosts with ',cpp' option"
      )
      exit(1)
    }
    if verbose {
      let word = hostCount == 1 ? "server" : "servers"
      if hostCount == pumpCount {
        say("__________Using \(hostCount) distcc \(word) in pump mode")
      } else {
        say(
          "__________Using \(hostCount) distcc \(word), of which only \(pumpCount) support(s) pump mode"
        )
      }
    }
    return startIncludeServer()
  }

  /// Starts `distcc-include-server` on `<tmp>/distcc-pump.XXXXXX/socket` and waits until it listens.
  mutating func startIncludeServer() -> Bool {
    let temporary = environment["TMPDIR"].map { $0.isEmpty ? "/tmp" : $0 } ?? "/tmp"
    do {
      socketDirectory = try TemporaryFiles.makeDirectory(in: temporary, prefix: "distcc-pump.")
    } catch {
      warn("\(program): Could not make temp \"distcc-pump\"")
      exit(1)
    }
    let server = Executables.ownDirectory() + "/distcc-include-server"
    let command =
      [server, "--port", socket, "-d1", "--ready-on-stdout"]
      + split(environment["INCLUDE_SERVER_ARGS"])
    var ready = false
    do {
      let pipe = try Pipe.make()
      var output: FileDescriptor? = nil
      var errors: FileDescriptor? = nil
      var input: FileDescriptor? = nil
      if detached {
        input = try FileDescriptor.open("/dev/null", .readOnly, options: .closeOnExec)
        output = try FileDescriptor.open(
          socketDirectory + "/stdout", .writeOnly, options: [.create, .truncate, .closeOnExec],
          permissions: [.ownerReadWrite])
        errors = try FileDescriptor.open(
          socketDirectory + "/stderr", .writeOnly, options: [.create, .truncate, .closeOnExec],
          permissions: [.ownerReadWrite])
      }
      defer {
        for fd in [input, output, errors] { fd?.closeIgnoringErrors() }
        pipe.read.closeIgnoringErrors()
      }
      let started = try ChildProcess.spawn(
        SpawnRequest(
          executable: server, arguments: command.map { Array($0.utf8) },
          environment: environment.map { Array("\($0.key)=\($0.value)".utf8) },
          standardInput: input,
          standardOutput: pipe.write, standardError: errors, newSession: detached))
      pipe.write.closeIgnoringErrors()
      child = started
      let line = try pipe.read.readToEnd(
        limit: 64, deadline: .after(seconds: 30), operation: "wait for the include server")
      // The server writes its pid and a newline, then points its stdout elsewhere (EOF here).
      if let pid = Int32(String(decoding: line, as: UTF8.self).split(separator: "\n").first ?? ""),
        FileVersion.entry(socket)?.kind == .other
      {
        includeServerPID = pid
        ready = true
      }
    } catch {
      warn("\(program): \(error)")
    }
    if !ready {
      warn("__________Expected a socket at '\(socket)'")
      warn("__________Could not start distcc-pump include server")
      return false
    }
    environment["INCLUDE_SERVER_PORT"] = socket
    if verbose { say("__________Started distcc-pump include server") }
    return true
  }

  func reportDiscrepancies() {
    let counter = FileVersion.follow(socketDirectory + "/discrepancy_counter")
    let count = Int(counter?.size ?? 0)
    guard count > 0 else { return }
    warn(
      "__________Warning: \(count) pump-mode compilation(s) failed on server, but succeeded locally."
    )
    if count >= maxDiscrepancies { warn("__________Distcc-pump was demoted to plain mode.") }
    warn("See the Distcc Discrepancy Symptoms section in the include_server(1) man page.")
  }

  /// Stops the include server (and reaps it if it is ours), shows its output, removes its directory.
  mutating func shutDown() {
    guard !socketDirectory.isEmpty || includeServerPID > 0 else { return }
    reportDiscrepancies()
    if includeServerPID > 0 && ForeignProcess.exists(includeServerPID) {
      say("__________Shutting down distcc-pump include server")
      if let child {
        child.send(SIGTERM)
        _ = try? child.reap()
      } else {
        _ = ForeignProcess.terminate(includeServerPID, deadline: .after(seconds: 60))
      }
    } else if let child {
      _ = try? child.reap()
    }
    child = nil
    if !socketDirectory.isEmpty {
      if let text = try? FileContents.read(socketDirectory + "/stdout"), !text.isEmpty {
        try? FileDescriptor.standardOutput.writeAll(text, deadline: .never)
      }
      if let text = try? FileContents.read(socketDirectory + "/stderr"), !text.isEmpty {
        try? FileDescriptor.standardError.writeAll(text, deadline: .never)
      }
      try? TemporaryFiles.removeTree(socketDirectory)
    }
  }
}

@MainActor func split(_ text: String?) -> [String] {
  (text ?? "").split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
}
