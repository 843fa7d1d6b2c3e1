import DistPosix

/// Asks a compiler what it is (``CompilerIdentity``) and which files make it up.
public enum CompilerProbe {
  /// How a compiler is asked its questions. The daemon asks its compilers as it runs their jobs, confined.
  public struct Ask: Sendable {
    /// The first line `[compiler, "-dumpmachine"]` prints on stdout; nil if it fails or prints nothing.
    public var firstLine: @Sendable ([String]) -> String?
    /// All `[compiler, "-###", ...]` prints on stdout and stderr (a driver's dry-run transcript); nil if it
    /// fails.
    public var transcript: @Sendable ([String]) -> String?

    /// The two ways of asking: `firstLine` runs a command and returns its first line of stdout,
    /// `transcript` runs a command and returns all it printed on stdout and stderr (each nil on failure).
    public init(
      firstLine: @escaping @Sendable ([String]) -> String?,
      transcript: @escaping @Sendable ([String]) -> String?
    ) {
      self.firstLine = firstLine
      self.transcript = transcript
    }
  }

  /// Runs the compiler as the calling process may (``CommandOutput``, 10 s at most).
  public static let askDirectly = Ask(
    firstLine: { CommandOutput.firstLine($0) },
    transcript: {
      CommandOutput.output($0, streams: .standardOutputAndError).map {
        String(decoding: $0, as: UTF8.self)
      }
    })

  /// The identity of `compiler` (a path, or a name searched on `PATH`) and the files fingerprinted: the
  /// driver and the `cc1`/`cc1plus` it runs when they exist (`cc1plus` is looked for beside `cc1`, where gcc
  /// installs both). Nil if the compiler does not tell its target and version. One dry run of the driver
  /// (``DriverTranscript``: all a gcc needs; a clang is asked its version too), then each question the
  /// transcript did not answer (`-dumpmachine`, `-dumpfullversion` or `-dumpversion`, `--version`,
  /// `-print-prog-name=cc1`), and one read of each file's first page (``ELFBuildID``).
  public static func identify(_ compiler: String, ask: Ask = askDirectly)
    -> (identity: CompilerIdentity, files: [String])?
  {
    var hashes: [String: [UInt8]] = [:]
    return identify(compiler, digests: &hashes, ask: ask)
  }

  /// ``identify(_:)`` remembering each file's digest in `digests` (by path), for probing many compilers
  /// that share their `cc1`.
  public static func identify(
    _ compiler: String, digests: inout [String: [UInt8]], ask: Ask = askDirectly
  ) -> (identity: CompilerIdentity, files: [String])? {
    let driver = DriverTranscript(ask.transcript(DriverTranscript.arguments(compiler)) ?? "")
    guard let target = driver.target ?? ask.firstLine([compiler, "-dumpmachine"]),
      let version = driver.version ?? ask.firstLine([compiler, "-dumpfullversion"])
        ?? ask.firstLine([compiler, "-dumpversion"])
    else { return nil }
    let family =
      driver.family
      ?? ((ask.firstLine([compiler, "--version"]) ?? "").contains("clang") ? "clang" : "gcc")
    var files = [resolve(compiler)].compactMap { $0 }
    let compilerProper: String? =
      switch driver.compilerProper {
      case .program(let path): path
      case .itself: nil
      case nil: ask.firstLine([compiler, "-print-prog-name=cc1"])
      }
    if let cc1 = compilerProper, cc1.hasPrefix("/"), Paths.isAccessible(cc1, .execute) {
      files.append(cc1)
      let cc1plus = cc1.dropLast(3) + "cc1plus"
      if cc1.hasSuffix("/cc1"), Paths.isAccessible(String(cc1plus), .execute) {
        files.append(String(cc1plus))
      }
    }
    var hash = FNV1a()
    for file in files {
      if digests[file] == nil { digests[file] = digest(file) }
      hash.add(digests[file]!)
    }
    let fingerprint = String(hash.value, radix: 16).leftPadded(to: 16)
    return (
      CompilerIdentity(family: family, version: version, target: target, fingerprint: fingerprint),
      files
    )
  }

  /// What stands for a file's bytes in the fingerprint: `B` and its ELF build ID when it has one (the
  /// linker's hash of the whole binary), else `H` and the FNV-1a of all its bytes (a script, a binary
  /// linked without `--build-id`).
  static func digest(_ file: String) -> [UInt8] {
    if let id = ELFBuildID.of(file) { return [UInt8(ascii: "B")] + id }
    var fileHash = FNV1a()
    fileHash.add((try? FileContents.read(file, limit: 1 << 30)) ?? [])
    return [UInt8(ascii: "H")] + withUnsafeBytes(of: fileHash.value.littleEndian) { Array($0) }
  }

  /// `name`'s path: itself if it has a slash, else the first executable `PATH` entry.
  public static func resolve(_ name: String) -> String? {
    if name.contains("/") { return name }
    let path = ProcessEnvironment.current()["PATH"] ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":") where !directory.isEmpty {
      let candidate = "\(directory)/\(name)"
      if Paths.isAccessible(candidate, .execute) { return candidate }
    }
    return nil
  }
}

/// 64-bit FNV-1a over 8-byte little-endian words (then the tail bytes): a fast, stable, non-cryptographic hash
/// (the fingerprint tells builds apart; it is no security boundary: a daemon runs its own compiler whatever a
/// client claims).
struct FNV1a {
  private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

  mutating func add(_ bytes: [UInt8]) {
    var hash = value
    bytes.withUnsafeBytes { raw in
      let words = raw.count / 8
      for index in 0..<words {
        hash ^= UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
        hash = hash &* 0x0000_0100_0000_01b3
      }
      for byte in raw[(words * 8)...] {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01b3
      }
    }
    value = hash
  }
}

extension String {
  func leftPadded(to width: Int) -> String {
    count >= width ? self : String(repeating: "0", count: width - count) + self
  }
}
