import CompilerPolicy

/// A command line written as one string, split at spaces (the tables below never need quoting).
func argv(_ text: String) -> [[UInt8]] {
  text.split(separator: " ").map { Array($0.utf8) }
}

func check(
  _ text: String, insecure: Bool = false, files: [String: String]? = nil
) -> ArgumentDecision {
  let reader: (([UInt8]) -> [UInt8]?)? = files.map { files in
    { path in files[String(decoding: path, as: UTF8.self)].map { Array($0.utf8) } }
  }
  return ArgumentPolicy.standard.check(argv(text), insecure: insecure, responseFile: reader)
}
