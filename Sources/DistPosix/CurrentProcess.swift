internal import Glibc

/// Facts about the calling process.
public enum CurrentProcess {
  /// The process id (`getpid`).
  public static var id: Int32 { getpid() }
}
