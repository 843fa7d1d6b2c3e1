import ClientCore
import Glibc
import ServerCore

/// The process environment as a dictionary.
func processEnvironment() -> [String: String] {
  var result: [String: String] = [:]
  var entry = environ
  while let pointer = entry.pointee {
    let text = String(cString: pointer)
    if let equals = text.firstIndex(of: "=") {
      result[String(text[..<equals])] = String(text[text.index(after: equals)...])
    }
    entry += 1
  }
  return result
}

/// An absolute version of `path`.
func absolute(_ path: String) -> String {
  if path.hasPrefix("/") { return path }
  guard let directory = getcwd(nil, 0) else { return path }
  defer { free(directory) }
  return String(cString: directory) + "/" + path
}

/// The `.c` files directly in `directory`, sorted.
func cFiles(in directory: String) -> [String] {
  guard let dir = opendir(directory) else { return [] }
  defer { closedir(dir) }
  var names: [String] = []
  while let entry = readdir(dir) {
    let name = withUnsafeBytes(of: entry.pointee.d_name) {
      String(cString: $0.baseAddress!.assumingMemoryBound(to: CChar.self))
    }
    if name.hasSuffix(".c") { names.append(name) }
  }
  return names.sorted()
}

/// Writes `text` to standard error in one `write`.
func printError(_ text: String) {
  var bytes = Array(text.utf8)
  var offset = 0
  while offset < bytes.count {
    let written = bytes.withUnsafeMutableBytes {
      write(2, $0.baseAddress! + offset, $0.count - offset)
    }
    if written <= 0 { return }
    offset += written
  }
}

func fail(_ message: String, status: Int32 = 2) -> Never {
  printError("embedded-build: \(message)\n")
  exit(status)
}

/// Compiles every file with at most `options.jobs` calls at once; one line per object; whether all succeeded.
func build(_ options: Options, compiler: DistributedCompiler) async -> Bool {
  let source = absolute(options.sourceDirectory)
  let output = absolute(options.outputDirectory)
  mkdir(output, 0o777)
  let files = cFiles(in: source)
  guard !files.isEmpty else { fail("no .c files in \(source)") }
  return await withTaskGroup(of: Bool.self) { group in
    var pending = files[...]
    var allSucceeded = true
    func start(_ file: String) {
      let object = output + "/" + file.dropLast(2) + ".o"
      let command = ["cc"] + options.cflags + ["-c", file, "-o", object]
      group.addTask {
        do {
          let outcome = try await compiler.compile(command, in: source)
          let place =
            switch outcome.placement {
            case .remote(let host): host
            case .local(let reason): "localhost (\(reason))"
            }
          printError(String(decoding: outcome.standardError, as: UTF8.self))
          print("\(object): \(outcome.succeeded ? "" : "FAILED (\(outcome.status)) ")\(place)")
          return outcome.succeeded
        } catch {
          print("\(object): FAILED: \(error)")
          return false
        }
      }
    }
    for _ in 0..<options.jobs { if let file = pending.popFirst() { start(file) } }
    for await succeeded in group {
      allSucceeded = allSucceeded && succeeded
      if let file = pending.popFirst() { start(file) }
    }
    return allSucceeded
  }
}

let options: Options
do { options = try Options(Array(CommandLine.arguments.dropFirst())) } catch {
  fail("\(error)\n\(Options.usage)")
}
var environment = processEnvironment()
var server: Server?
var serving: Task<Void, any Error>?
if let hosts = options.hosts {
  environment["DISTCC_HOSTS"] = hosts
} else {
  // A daemon in this process, on a free loopback port, for this build only.
  var configuration: ServerConfiguration
  do {
    configuration = try ServerConfiguration(environment: environment)
    configuration.listenAddress = "127.0.0.1"
    configuration.port = 0
    configuration.jobs = options.jobs
    let started = Server(configuration: configuration, logger: ServerLogger(destination: .none))
    let listeners = try started.bindListeners()
    guard let port = listeners.compilePort else { fail("the daemon has no compile port") }
    environment["DISTCC_HOSTS"] = "127.0.0.1:\(port)/\(options.jobs)"
    server = started
    serving = Task { try await started.serve(listeners: listeners) }
  } catch {
    fail("cannot start the in-process daemon: \(error)")
  }
}
let compiler: DistributedCompiler
do {
  compiler = DistributedCompiler(configuration: try ClientConfiguration(environment: environment))
} catch {
  fail("\(error)")
}
let succeeded = await build(options, compiler: compiler)
if let server, let serving {
  server.shutdown()
  do { try await serving.value } catch { fail("the in-process daemon failed: \(error)") }
}
exit(succeeded ? 0 : 1)
