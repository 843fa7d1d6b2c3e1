/// `distccd --version`: 3.4's first line exactly (`distccd VERSION PLATFORM`, which scripts match with
/// `^distccd [\w.-]+ [.\w-]+$`), then what this daemon is.
public enum VersionText {
  public static let daemon = """
    distccd 3.4 x86_64-pc-linux-gnu
      (protocols 1, 2 and 3) (default port 3632)
      swift-distcc: distccd rebuilt in Swift, speaking distcc 3.4's protocol

    Copyright (C) 2002, 2003, 2004 by Martin Pool.
    Includes miniLZO (C) 1996-2002 by Markus Franz Xaver Johannes Oberhumer.
    Portions Copyright (C) 2007-2008 Google.

    distcc comes with ABSOLUTELY NO WARRANTY.  distcc is free software, and
    you may use, modify and redistribute it under the terms of the GNU
    General Public License version 2 or later.

    """
}
