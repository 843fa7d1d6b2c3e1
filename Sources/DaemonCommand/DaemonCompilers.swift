import CompilerIdentity
import DistPosix
import ServerCore

/// `distccd --compilers`: the compilers this daemon would run and their identities.
enum DaemonCompilers {
  /// One line per compiler name: `NAME<TAB>FAMILY VERSION TARGET FINGERPRINT<TAB>PATH`, in name order. The
  /// names are those of `DISTCC_CMDLIST` if set, else the masquerade directories' entries (what 3.4 lets a
  /// client run), else (`--enable-tcp-insecure` without either) `cc`, `c++`, `gcc`, `g++`, `clang`, `clang++`.
  static func lines(_ configuration: ServerConfiguration) -> [String] {
    var digests: [String: [UInt8]] = [:]
    var lines: [String] = []
    for name in names(configuration) {
      guard let path = CompilerProbe.resolve(name),
        let (identity, _) = CompilerProbe.identify(path, digests: &digests)
      else { continue }
      lines.append("\(name)\t\(identity.text)\t\(path)")
    }
    return lines
  }

  private static func names(_ configuration: ServerConfiguration) -> [String] {
    if let list = configuration.commandList,
      let bytes = try? FileContents.read(list, limit: 1 << 20)
    {
      return String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isWhitespace).map(
        String.init)
    }
    let found = configuration.masqueradeDirectories.flatMap { (try? Directory.entries($0)) ?? [] }
    let names = found.isEmpty ? ["cc", "c++", "gcc", "g++", "clang", "clang++"] : found
    return Array(Set(names)).sorted()
  }
}
