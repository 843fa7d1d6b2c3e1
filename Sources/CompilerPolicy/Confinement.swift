/// What a compiler process may touch besides reading: the directories it may write, the programs it may
/// run, its resource limits. The daemon turns it into a `distccd-sandbox` command line that applies it
/// and then `exec`s the compiler; the sandbox parses it back. Both sides use this one grammar:
///
/// ```
/// distccd-sandbox [--write DIR]… [--write-file FILE]… [--exec DIR]… [--limit-as BYTES]
///   [--limit-cpu SECONDS] [--limit-fsize BYTES] [--limit-nproc N] [--require-landlock]
///   [--allow-network] -- COMPILER [ARGUMENT]…
/// ```
public struct Confinement: Sendable, Equatable {
  /// Directories the compiler may write beneath (the job directory, its temporary directory).
  public var writableDirectories: [String]
  /// Single files it may write (`/dev/null`).
  public var writableFiles: [String]
  /// Directories it may execute programs from; nil: anywhere.
  public var executableDirectories: [String]?
  /// `RLIMIT_AS` bytes, `RLIMIT_CPU` seconds, `RLIMIT_FSIZE` bytes, `RLIMIT_NPROC`.
  public var addressSpace: UInt64?
  public var cpuSeconds: UInt64?
  public var fileSize: UInt64?
  public var processes: UInt64?
  /// Fail instead of running unconfined where the kernel lacks Landlock.
  public var requireLandlock: Bool
  /// Let the compiler open TCP connections (off: Landlock ABI 4+ refuses `bind`/`connect`).
  public var allowNetwork: Bool

  public init(
    writableDirectories: [String] = [], writableFiles: [String] = ["/dev/null"],
    executableDirectories: [String]? = nil, addressSpace: UInt64? = nil, cpuSeconds: UInt64? = nil,
    fileSize: UInt64? = nil, processes: UInt64? = nil, requireLandlock: Bool = false,
    allowNetwork: Bool = false
  ) {
    self.writableDirectories = writableDirectories
    self.writableFiles = writableFiles
    self.executableDirectories = executableDirectories
    self.addressSpace = addressSpace
    self.cpuSeconds = cpuSeconds
    self.fileSize = fileSize
    self.processes = processes
    self.requireLandlock = requireLandlock
    self.allowNetwork = allowNetwork
  }

  /// The system directories compilers and their helpers (`cc1`, `as`) live in. Not `/tmp`, not the job.
  public static let systemExecutableDirectories = [
    "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/opt", "/etc/alternatives",
  ]

  /// The command line that runs `compiler` (its whole `argv`) under this confinement.
  public func command(sandbox: String, compiler: [[UInt8]]) -> [[UInt8]] {
    var words: [String] = [sandbox]
    for directory in writableDirectories { words += ["--write", directory] }
    for file in writableFiles { words += ["--write-file", file] }
    for directory in executableDirectories ?? [] { words += ["--exec", directory] }
    if executableDirectories?.isEmpty == true { words += ["--exec", "/nonexistent-none"] }
    if let addressSpace { words += ["--limit-as", String(addressSpace)] }
    if let cpuSeconds { words += ["--limit-cpu", String(cpuSeconds)] }
    if let fileSize { words += ["--limit-fsize", String(fileSize)] }
    if let processes { words += ["--limit-nproc", String(processes)] }
    if requireLandlock { words.append("--require-landlock") }
    if allowNetwork { words.append("--allow-network") }
    words.append("--")
    return words.map { Array($0.utf8) } + compiler
  }

  /// Parses a sandbox command line (without its `argv[0]`).
  ///
  /// - Returns: the confinement and the compiler's `argv`.
  public static func parse(
    _ arguments: some Collection<[UInt8]>
  ) throws(ConfinementError) -> (Confinement, [[UInt8]]) {
    var result = Confinement(writableFiles: [])
    var rest = arguments[...]
    while let word = rest.popFirst() {
      let option = String(decoding: word, as: UTF8.self)
      if option == "--" {
        guard !rest.isEmpty else { throw .missingProgram }
        return (result, Array(rest))
      }
      switch option {
      case "--require-landlock": result.requireLandlock = true; continue
      case "--allow-network": result.allowNetwork = true; continue
      default: break
      }
      guard let valueBytes = rest.popFirst() else { throw .missingValue(option) }
      let value = String(decoding: valueBytes, as: UTF8.self)
      func number() throws(ConfinementError) -> UInt64 {
        guard let number = UInt64(value) else { throw .badNumber(option: option, text: value) }
        return number
      }
      switch option {
      case "--write": result.writableDirectories.append(value)
      case "--write-file": result.writableFiles.append(value)
      case "--exec": result.executableDirectories = (result.executableDirectories ?? []) + [value]
      case "--limit-as": result.addressSpace = try number()
      case "--limit-cpu": result.cpuSeconds = try number()
      case "--limit-fsize": result.fileSize = try number()
      case "--limit-nproc": result.processes = try number()
      default: throw .unknownOption(option)
      }
    }
    throw .missingProgram
  }
}

/// A sandbox command line that does not follow `Confinement`'s grammar.
public enum ConfinementError: Error, Sendable, Equatable, CustomStringConvertible {
  case unknownOption(String)
  case missingValue(String)
  case badNumber(option: String, text: String)
  case missingProgram

  public var description: String {
    switch self {
    case .unknownOption(let option): "unknown option \(option)"
    case .missingValue(let option): "\(option) needs a value"
    case .badNumber(let option, let text): "\(option): \"\(text)\" is not a number"
    case .missingProgram: "no program after --"
    }
  }
}
