// libFuzzer target: CompilerPolicy, compiled together with its sources by Fuzz/run.sh.
//
// The input is an argument vector (arguments separated by newlines; NUL bytes kept, to be caught), then
// after a 0xFF byte the content every `@FILE` reads. Oracle: whatever the policy allows contains no
// argument that starts a program-running, plugin, specs or search-prefix option, in any spelling.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  let parts = bytes.split(separator: 0xFF, maxSplits: 1, omittingEmptySubsequences: false)
  let arguments = (parts.first ?? []).split(
    separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false
  )
  .map(Array.init)
  let responseFile = parts.count > 1 ? Array(parts[1]) : []
  for insecure in [false, true] {
    let decision = ArgumentPolicy.standard.check(arguments, insecure: insecure) { _ in responseFile
    }
    _ = decision.message
    guard case .allowed(let argv) = decision else { continue }
    for (index, argument) in argv.enumerated().dropFirst()
    where forbidden.contains(where: { argument.starts(with: $0) })
      && !takesNextArgument.contains(argv[index - 1])
    {
      fatalError("allowed a forbidden option: \(String(decoding: argument, as: UTF8.self))")
    }
  }
  return 0
}

/// gcc driver options whose separate operand is the next argument, which the driver consumes as a macro,
/// path, language, target, symbol or library name and never reads as an option (`-D -Bx` defines a macro
/// named `-Bx`; `-u -Bx` makes the linker treat a symbol `-Bx` as undefined: checked with `gcc -###`, which
/// shows `'-u' '-Bx'` and no search prefix). The `-X…` pass-through options are not here: their operand goes
/// to another program as an option.
private let takesNextArgument: Set<[UInt8]> = Set(
  [
    "-D", "-U", "-I", "-o", "-x", "-include", "-imacros", "-isystem", "-iquote", "-idirafter",
    "-iprefix", "-iwithprefix", "-iwithprefixbefore", "-isysroot", "-imultilib", "-MT", "-MQ",
    "-MF",
    "-A", "--param", "-u", "-z", "-L", "-l", "-T", "-e",
  ].map { Array($0.utf8) })

private let forbidden: [[UInt8]] = [
  "-B", "--prefix", "-wrapper", "--wrapper", "-specs", "--specs", "-fplugin", "-fpass-plugin",
  "-iplugindir", "-aux-info", "-dumpdir", "-dumpbase", "--dumpdir", "--dumpbase", "@",
].map { Array($0.utf8) }
