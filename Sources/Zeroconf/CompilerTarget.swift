import DistPosix

/// The compiler version and machine that distcc 3.4's zeroconf advertises and filters on: what `cc
/// -dumpversion` and `cc -dumpmachine` print (the command `cc` found on `PATH`, whatever compiler a job names).
public struct CompilerTarget: Sendable, Hashable {
  /// `cc -dumpversion`, e.g. `12` (gcc 12 on Debian) or `12.2.0`.
  public var version: String
  /// `cc -dumpmachine`, e.g. `x86_64-linux-gnu`.
  public var machine: String

  /// Asks `compiler` (default `cc`, searched on `PATH` as 3.4's `popen` does) for its version and machine; nil
  /// when either question fails or answers nothing (3.4 then registers and browses without a subtype).
  public static func probe(compiler: String = "cc") -> CompilerTarget? {
    guard let version = firstLine(compiler, "-dumpversion"),
      let machine = firstLine(compiler, "-dumpmachine")
    else { return nil }
    return CompilerTarget(version: version, machine: machine)
  }

  /// The DNS-SD subtype 3.4 registers and browses: `_<machine>--<version>._sub._distcc._tcp`, every character
  /// other than a letter, digit or `-` replaced by `-` (`_x86-64-linux-gnu--12._sub._distcc._tcp`).
  public var subtype: String {
    "_\(Self.label(machine))--\(Self.label(version))._sub.\(DistccService.type)"
  }

  private static func label(_ text: String) -> String {
    String(
      text.unicodeScalars.map { scalar -> Character in
        let ascii =
          scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar))
        return ascii || scalar == "-" ? Character(scalar) : "-"
      })
  }

  private static func firstLine(_ compiler: String, _ option: String) -> String? {
    CommandOutput.firstLine([compiler, option])
  }
}
