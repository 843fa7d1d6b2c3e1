/// A stand-in for another gcc release: a shell script that runs `/usr/bin/gcc` but reports `version` as its own
/// where the compiler identity probe reads a gcc's version, `-dumpfullversion` and the `gcc version` line of its
/// `-###` transcript; everything else (target, `cc1`, the compiles) is the real gcc's.
public enum GCCWrapper {
  /// The script's text; nil `version` reports the real one.
  public static func script(reportingVersion version: String?) -> String {
    let answers =
      version.map {
        "-dumpfullversion) echo \($0);; "
          + "-###) /usr/bin/gcc \"$@\" 2>&1 | sed 's/^gcc version [^ ]*/gcc version \($0)/' >&2;; "
      } ?? ""
    return "#!/bin/sh\ncase \"$1\" in \(answers)*) exec /usr/bin/gcc \"$@\";; esac\n"
  }
}
