// distccd-sandbox: applies a `Confinement` to itself, then execs the compiler.
//
// The daemon never forks from Swift and posix_spawn has no pre-exec hook, so the limits that must hold
// from the compiler's first instruction (rlimits are per process, Landlock per thread) are applied here,
// in a process of their own, and survive the exec. Failure to apply a requested limit exits 110, like a
// failed exec in distcc 3.4, with one line on stderr (which the daemon returns in SERR).
import CompilerPolicy
import DistPosix
import Glibc

func fail(_ message: String) -> Never {
  let line = "distccd-sandbox: \(message)\n"
  _ = line.withCString { write(2, $0, strlen($0)) }
  exit(110)
}

let arguments = CommandLine.arguments.dropFirst().map { Array($0.utf8) }
let confinement: Confinement
let program: [[UInt8]]
do {
  (confinement, program) = try Confinement.parse(arguments)
} catch {
  fail("\(error)")
}

do {
  try ResourceLimits(
    addressSpace: confinement.addressSpace, cpuSeconds: confinement.cpuSeconds,
    fileSize: confinement.fileSize, processes: confinement.processes
  ).applyToCurrentProcess()
  try ProcessEnvironment.forbidNewPrivileges()
  if Landlock.abiVersion() != nil {
    try Landlock.restrictSelf(
      Landlock.Rules(
        writableDirectories: confinement.writableDirectories, writableFiles: confinement.writableFiles,
        executableDirectories: confinement.executableDirectories,
        denyNetwork: !confinement.allowNetwork))
  } else if confinement.requireLandlock {
    fail("Landlock is not available in this kernel and --require-landlock was given")
  }
} catch {
  fail("\(error)")
}

// exec: argv as C strings, PATH search like 3.4's execvp.
var cStrings = program.map { bytes in
  let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
  bytes.withUnsafeBufferPointer { buffer in
    if let base = buffer.baseAddress {
      UnsafeMutableRawPointer(pointer).copyMemory(from: base, byteCount: buffer.count)
    }
  }
  pointer[bytes.count] = 0
  return Optional(pointer)
}
cStrings.append(nil)
execvp(cStrings[0]!, cStrings)
let code = errno
fail("failed to exec \(String(decoding: program[0], as: UTF8.self)): \(String(cString: strerror(code)))")
